import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { BadInputError } from '../core/errors.ts';
import type { EgressRule, SandboxLimits } from '../core/ports/sandbox.ts';
import { yamlIssueAt } from '../core/yaml-lines.ts';
import { type ImageSource, repositoryPath } from './image-source.ts';
import { type McpServerConfig, mcpConfigSchema, mcpServers } from './mcp-config.ts';

/** Where a repository keeps its drydock config. */
export const REPO_CONFIG_PATH = '.drydock/config.yaml';

/** The phases that can be given secrets. `agent` covers the agent's commands and the checks it can edit. */
export const SECRET_PHASES = ['setup', 'start', 'agent'] as const;
export type SecretPhase = (typeof SECRET_PHASES)[number];

/** A repository's `.drydock/config.yaml`, validated and normalized. */
export interface RepoConfig {
  /** Commands run once per environment image, in order; null when the config does not say. */
  setup: string[] | null;
  /** Commands run at every sandbox start and restore (services the checks need); null when the config does not say. */
  start: string[] | null;
  checks: Array<{ name: 'test' | 'typecheck' | 'lint'; command: string }> | null;
  network: {
    /** Hosts the agent phase may reach. */
    allow: EgressRule[];
    /** Hosts setup may reach; null means the defaults (npm registry, Debian mirrors). */
    setup: EgressRule[] | null;
  };
  limits: SandboxLimits;
  /** Secret names per phase; a phase not listed gets none, except setup (every secret in scope). */
  secrets: Partial<Record<SecretPhase, string[]>>;
  /** Files whose content decides when the image is rebuilt; null means the lockfiles found. */
  inputs: string[] | null;
  /** Rebuild an image older than this. */
  maxImageAgeMs: number | null;
  /** The image the sandbox runs on (`image: REF` or `image: { from | dockerfile }`); null: the host's system. */
  image: ImageSource | null;
  /** MCP servers whose tools the agent gets (`mcp:`: mcp-config.ts); empty when the config names none. */
  mcp: McpServerConfig[];
}

const commands = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((value) => (typeof value === 'string' ? [value] : value));

const hostRule = z
  .string()
  .regex(/^(\*\.)?([a-z0-9.-]+|\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/i, {
    message: 'expected a host name with an optional port (example.org, *.example.org, example.org:8443)',
  })
  .transform((value): EgressRule => {
    const [host, port] = value.toLowerCase().split(/:(?=\d+$)/);
    return port === undefined ? { host: host! } : { host: host!, port: Number(port) };
  });

const size = z
  .union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?\s*([kmgt]i?b?|b)?$/i)])
  .transform(parseSize);

const duration = z
  .union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/)])
  .transform(parseDuration);

const secretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  message: 'expected an environment variable name (letters, digits, _)',
});

const schema = z
  .object({
    setup: commands.optional(),
    start: commands.optional(),
    checks: z
      .object({ test: z.string().min(1), typecheck: z.string().min(1), lint: z.string().min(1) })
      .partial()
      .strict()
      .optional(),
    network: z
      .object({ allow: z.array(hostRule).optional(), setup: z.array(hostRule).optional() })
      .strict()
      .optional(),
    limits: z
      .object({
        memory: size.optional(),
        pids: z.number().int().positive().optional(),
        cpus: z.number().positive().optional(),
        tmp: size.optional(),
      })
      .strict()
      .optional(),
    secrets: z
      .object({
        setup: z.array(secretName).optional(),
        start: z.array(secretName).optional(),
        agent: z.array(secretName).optional(),
      })
      .strict()
      .optional(),
    inputs: z.array(z.string().min(1)).optional(),
    image: z
      .union([
        z.string().min(1),
        z
          .object({
            from: z.string().min(1).optional(),
            dockerfile: z.string().min(1).optional(),
            context: z.string().min(1).optional(),
            args: z
              .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
              .optional(),
            credentials: secretName.optional(),
            max_age: duration.optional(),
          })
          .strict()
          .refine((image) => !(image.from !== undefined && image.dockerfile !== undefined), {
            message: 'name either from (an image to pull) or dockerfile (one to build), not both',
          })
          .refine(
            (image) =>
              image.dockerfile !== undefined || (image.context === undefined && image.args === undefined),
            { message: 'context and args are for building a dockerfile: add dockerfile' },
          )
          .refine(
            (image) =>
              image.credentials === undefined || image.from !== undefined || image.dockerfile !== undefined,
            { message: "credentials log in to the registry of from (or of the dockerfile's FROM)" },
          ),
      ])
      .optional(),
    mcp: mcpConfigSchema.optional(),
  })
  .strict();

/**
 * Parses `.drydock/config.yaml`. Errors name the file, the line and the key, and say what was
 * expected: `BadInputError('invalid_repo_config')`. An empty file is an empty config. Pure.
 */
export function parseRepoConfig(text: string, file = REPO_CONFIG_PATH): RepoConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  const syntax = document.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0].line;
    throw invalid(file, line, `${syntax.message.split('\n')[0]} (YAML syntax)`);
  }
  const raw = document.toJS() ?? {};
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const { path, line } = yamlIssueAt(document, lineCounter, issue);
    const where = path.length > 0 ? `${path.join('.')}: ` : '';
    throw invalid(file, line, `${where}${describeIssue(issue)}`);
  }
  const config = parsed.data;
  const limits: SandboxLimits = {};
  if (config.limits?.memory !== undefined) limits.memoryBytes = config.limits.memory;
  if (config.limits?.pids !== undefined) limits.pids = config.limits.pids;
  if (config.limits?.cpus !== undefined) limits.cpus = config.limits.cpus;
  if (config.limits?.tmp !== undefined) limits.tmpBytes = config.limits.tmp;
  return {
    setup: config.setup ?? null,
    start: config.start ?? null,
    checks: config.checks
      ? (['test', 'typecheck', 'lint'] as const).flatMap((name) =>
          config.checks?.[name] ? [{ name, command: config.checks[name] }] : [],
        )
      : null,
    network: { allow: config.network?.allow ?? [], setup: config.network?.setup ?? null },
    limits,
    secrets: config.secrets ?? {},
    inputs: config.inputs ?? null,
    maxImageAgeMs: typeof config.image === 'object' ? (config.image.max_age ?? null) : null,
    image: imageSource(config.image, file),
    mcp: mcpServers(config.mcp),
  };
}

function imageSource(
  image:
    | string
    | {
        from?: string;
        dockerfile?: string;
        context?: string;
        args?: Record<string, string>;
        credentials?: string;
      }
    | undefined,
  file: string,
): ImageSource | null {
  if (image === undefined) return null;
  if (typeof image === 'string')
    return { kind: 'pull', reference: image, credentials: null, declaredIn: file };
  const credentials = image.credentials ?? null;
  if (image.from !== undefined) return { kind: 'pull', reference: image.from, credentials, declaredIn: file };
  if (image.dockerfile === undefined) return null;
  return {
    kind: 'build',
    dockerfile: repositoryPath('.', image.dockerfile, file),
    context: repositoryPath('.', image.context ?? '.', file),
    args: image.args ?? {},
    credentials,
    declaredIn: file,
  };
}

function invalid(file: string, line: number | undefined, message: string): BadInputError {
  const at = line === undefined ? file : `${file} line ${line}`;
  return new BadInputError(
    'invalid_repo_config',
    `${at}: ${message}. See docs/environments.md for the format.`,
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  }
  // A record's key that fails its schema (an MCP server's name): that schema's message says what is expected.
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  return issue.message;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `512MiB`, `4g`, `1GB` (binary units throughout), or a number of bytes. Pure. */
export function parseSize(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)/i.exec(value.trim())!;
  return Math.round(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
}

const DURATIONS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `24h`, `90m`, `7d`, or a number of milliseconds. Pure. */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim())!;
  return Number(match[1]) * DURATIONS[match[2]!]!;
}
