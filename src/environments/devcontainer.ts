import {
  findNodeAtLocation,
  getNodeValue,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import { z } from 'zod';
import { BadInputError } from '../core/errors.ts';
import { type ImageSource, repositoryPath } from './image-source.ts';

/** Where a repository may keep its devcontainer declaration, in the order they are looked for. */
export const DEVCONTAINER_PATHS = ['.devcontainer/devcontainer.json', '.devcontainer.json'] as const;

/** What drydock takes from a devcontainer.json. */
export interface Devcontainer {
  /** The file it came from. */
  path: string;
  /** The image to run on; null when the file names none. */
  image: ImageSource | null;
  /** onCreateCommand, updateContentCommand and postCreateCommand, in that order; null when none is set. */
  setup: string[] | null;
  /** postStartCommand; null when not set. */
  start: string[] | null;
  /**
   * containerEnv then remoteEnv, unresolved: `${containerEnv:NAME}` and `${containerWorkspaceFolder}` are
   * filled in once the image's own environment is known (resolveDevcontainerEnv).
   */
  env: Record<string, string>;
}

const command = z.union([
  z.string(),
  z.array(z.string()).min(1),
  z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])),
]);

const schema = z
  .object({
    image: z.string().min(1).optional(),
    build: z
      .object({
        dockerfile: z.string().min(1),
        context: z.string().min(1).optional(),
        args: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
    dockerFile: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
    features: z.record(z.string(), z.unknown()).optional(),
    dockerComposeFile: z.unknown().optional(),
    onCreateCommand: command.optional(),
    updateContentCommand: command.optional(),
    postCreateCommand: command.optional(),
    postStartCommand: command.optional(),
    containerEnv: z.record(z.string(), z.string()).optional(),
    remoteEnv: z.record(z.string(), z.string().nullable()).optional(),
  })
  // The rest (name, customizations, forwardPorts, remoteUser, …) is about an editor, not the sandbox.
  .passthrough();

/**
 * Parses a devcontainer.json (JSONC: comments and trailing commas allowed) into what drydock uses.
 * Paths in `build` are relative to the file, as the devcontainer spec says. `features` and Docker Compose
 * are refused by name (`invalid_devcontainer`), never ignored: the image would lack what they add. Pure.
 */
export function parseDevcontainer(text: string, path: string): Devcontainer {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first || tree === undefined) {
    const line = first ? lineAt(text, first.offset) : 1;
    throw invalid(path, line, first ? `${printParseErrorCode(first.error)} (JSON syntax)` : 'empty file');
  }
  const parsed = schema.safeParse(getNodeValue(tree));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
    throw invalid(path, lineOf(text, tree, at), `${at.join('.')}: ${issue.message}`);
  }
  const config = parsed.data;
  const features = Object.keys(config.features ?? {});
  if (features.length > 0) {
    throw invalid(
      path,
      lineOf(text, tree, ['features']),
      `not supported yet: ${features.map((feature) => `feature ${feature}`).join(', ')}. Install what they add in the image (a Dockerfile: build.dockerfile) or in postCreateCommand`,
    );
  }
  if (config.dockerComposeFile !== undefined) {
    throw invalid(
      path,
      lineOf(text, tree, ['dockerComposeFile']),
      'not supported yet: dockerComposeFile. Name one image (image or build.dockerfile); start services with postStartCommand',
    );
  }
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
  const dockerfile = config.build?.dockerfile ?? config.dockerFile;
  if (config.image !== undefined && dockerfile !== undefined) {
    throw invalid(path, lineOf(text, tree, ['image']), 'name either image or build.dockerfile, not both');
  }
  let image: ImageSource | null = null;
  if (config.image !== undefined) {
    image = { kind: 'pull', reference: config.image, credentials: null, declaredIn: path };
  } else if (dockerfile !== undefined) {
    image = {
      kind: 'build',
      dockerfile: repositoryPath(dir, dockerfile, path),
      context: repositoryPath(dir, config.build?.context ?? config.context ?? '.', path),
      args: config.build?.args ?? {},
      credentials: null,
      declaredIn: path,
    };
  }
  const setup = [config.onCreateCommand, config.updateContentCommand, config.postCreateCommand].flatMap(
    (each) => (each === undefined ? [] : shellCommands(each)),
  );
  const remote = Object.entries(config.remoteEnv ?? {}).filter(
    (entry): entry is [string, string] => entry[1] !== null,
  );
  return {
    path,
    image,
    setup: setup.length > 0 ? setup : null,
    start: config.postStartCommand === undefined ? null : shellCommands(config.postStartCommand),
    env: { ...config.containerEnv, ...Object.fromEntries(remote) },
  };
}

/**
 * A lifecycle command as shell commands, per the devcontainer spec: a string runs in a shell; an array
 * is a program and its arguments, run without one (quoted here so a shell runs exactly that); an object
 * is named commands the spec runs in parallel, which drydock runs one after another, by name. Pure.
 */
export function shellCommands(value: string | string[] | Record<string, string | string[]>): string[] {
  if (typeof value === 'string') return value.trim() === '' ? [] : [value];
  if (Array.isArray(value)) return [value.map(shellQuote).join(' ')];
  return Object.keys(value)
    .sort()
    .flatMap((name) => shellCommands(value[name]!));
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The devcontainer's environment with its variables filled in: `${containerEnv:NAME}` from the image's
 * environment (empty when unset, as the spec says), `${containerWorkspaceFolder}` (and its basename) the
 * sandbox's workspace. Any other variable (`${localEnv:…}` would read the host's) is refused. Pure.
 */
export function resolveDevcontainerEnv(
  env: Readonly<Record<string, string>>,
  imageEnv: Readonly<Record<string, string>>,
  context: { workdir: string; path: string },
): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    resolved[name] = value.replace(/\$\{([^}]*)\}/g, (_match, variable: string) => {
      const [kind, rest] = variable.split(/:(.*)/s) as [string, string | undefined];
      if (kind === 'containerEnv' && rest !== undefined) {
        const [key, fallback] = rest.split(/:(.*)/s) as [string, string | undefined];
        return imageEnv[key] ?? fallback ?? '';
      }
      if (variable === 'containerWorkspaceFolder') return context.workdir;
      if (variable === 'containerWorkspaceFolderBasename') return posixBase(context.workdir);
      throw new BadInputError(
        'invalid_devcontainer',
        `${context.path}: not supported yet: \${${variable}} in the environment variable ${name} (drydock fills in \${containerEnv:NAME} and \${containerWorkspaceFolder}; the host's environment never reaches a sandbox). See docs/environments.md.`,
      );
    });
  }
  return resolved;
}

function posixBase(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function invalid(path: string, line: number | undefined, message: string): BadInputError {
  return new BadInputError(
    'invalid_devcontainer',
    `${line === undefined ? path : `${path} line ${line}`}: ${message}. See docs/environments.md ("Images").`,
  );
}

function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** The line of the deepest node on `path` that exists. */
function lineOf(text: string, tree: Node, path: readonly (string | number)[]): number {
  for (let depth = path.length; depth > 0; depth -= 1) {
    const node = findNodeAtLocation(tree, path.slice(0, depth) as (string | number)[]);
    // A property's value node: its key starts the line people look for.
    if (node) return lineAt(text, node.parent?.type === 'property' ? node.parent.offset : node.offset);
  }
  return lineAt(text, tree.offset);
}
