import { createHash } from 'node:crypto';
import type { EgressRule, SandboxLimits } from '../core/ports/sandbox.ts';
import type { Devcontainer } from './devcontainer.ts';
import type { ImageSource } from './image-source.ts';
import { collectNodeRequirements, NODE_VERSION_FILES, type NodeRequirement } from './node-requirements.ts';
import {
  detectInstall,
  LOCKFILES,
  PACKAGE_MANAGER_FILES,
  type PlannedPackageManager,
} from './package-manager.ts';
import { REPO_CONFIG_PATH, type RepoConfig } from './repo-config.ts';

/**
 * Hosts setup may reach when the config does not say: the npm registry (and yarn's mirror of it,
 * which yarn 1 lockfiles name in every `resolved` URL and yarn 2+ uses by default) and Debian's mirrors.
 */
export const DEFAULT_SETUP_HOSTS: readonly EgressRule[] = [
  { host: 'registry.npmjs.org' },
  { host: 'registry.yarnpkg.com' },
  { host: 'deb.debian.org' },
  { host: 'deb.debian.org', port: 80 },
  { host: 'security.debian.org' },
  { host: 'security.debian.org', port: 80 },
];

/** Rebuild an image older than this unless the config says otherwise. */
export const DEFAULT_MAX_IMAGE_AGE_MS = 24 * 3_600_000;

/** How a repository's environment is made, from its config or from what drydock detected. */
export interface EnvironmentPlan {
  source: 'config' | 'detected' | 'none';
  /** For people: where the plan came from ("package-lock.json → npm ci"). */
  description: string;
  /** Commands run once per image; empty means no image is needed (the base checkout is enough). */
  setup: string[];
  /** Commands run at every sandbox start and restore. */
  start: string[];
  /** The config's checks (null: detect them as before). */
  checks: RepoConfig['checks'];
  network: { agent: EgressRule[]; setup: EgressRule[] };
  limits: SandboxLimits;
  /** Secret names per phase; `all` = every secret in the repository's scope. */
  secrets: { setup: string[] | 'all'; start: string[]; agent: string[] };
  /** Repository files whose content, with the setup commands, keys the image. */
  inputs: string[];
  maxImageAgeMs: number;
  /** What the repository says about its Node (package.json engines.node, .nvmrc, .node-version). */
  node: NodeRequirement[];
  /** The package manager detected setup runs; null when setup is the config's or there is none. */
  packageManager: PlannedPackageManager | null;
  /** The image the sandbox runs on (config.yaml's, else devcontainer.json's); null: the host's system. */
  image: ImageSource | null;
  /** The devcontainer's containerEnv and remoteEnv, unresolved (resolveDevcontainerEnv); {} without one. */
  imageEnv: Record<string, string>;
  /** The config's MCP servers (docs/mcp.md); not part of the image. */
  mcp: RepoConfig['mcp'];
}

export interface PlanInput {
  /** The parsed `.drydock/config.yaml`, or null when the repository has none. */
  config: RepoConfig | null;
  /** Paths in the repository at the commit. */
  files: readonly string[];
  /** The root package.json, parsed, when there is one. */
  packageJson?: {
    dependencies?: object;
    devDependencies?: object;
    packageManager?: unknown;
    engines?: unknown;
  } | null;
  /**
   * Small files at the commit that detection reads, by path, when present: `.yarnrc.yml`, `.nvmrc`,
   * `.node-version`, and the first lines of `pnpm-lock.yaml` and `yarn.lock` (PLAN_TEXT_FILES).
   */
  texts?: Readonly<Record<string, string>>;
  /** The repository's devcontainer.json, parsed, when it has one. */
  devcontainer?: Devcontainer | null;
}

/** Files whose text planEnvironment reads (PlanInput.texts); lockfiles only need their head. */
export const PLAN_TEXT_FILES: readonly string[] = [...PACKAGE_MANAGER_FILES, ...NODE_VERSION_FILES];

/**
 * The environment plan: the config's where it speaks, detection where it is silent (package.json's
 * packageManager, else a lockfile → its install command, detectInstall; a package.json with
 * dependencies and no lockfile → `npm install`). Pure.
 */
export function planEnvironment(input: PlanInput): EnvironmentPlan {
  const { config } = input;
  const devcontainer = input.devcontainer ?? null;
  const detected = detectInstall(input);
  const declaredSetup = config?.setup ?? devcontainer?.setup ?? null;
  const setup = declaredSetup ?? detected.setup;
  const lockfiles = LOCKFILES.map((lock) => lock.file).filter((file) => input.files.includes(file));
  const defaultInputs = detected.inputs.length > 0 ? detected.inputs : lockfiles;
  const declared = config ? [REPO_CONFIG_PATH, ...(config.inputs ?? defaultInputs)] : null;
  const inputs = [
    ...(declared ?? (devcontainer ? defaultInputs : detected.inputs)),
    ...(devcontainer ? [devcontainer.path] : []),
  ];
  const image = config?.image ?? devcontainer?.image ?? null;
  const source = config || devcontainer ? 'config' : setup.length > 0 ? 'detected' : 'none';
  const files = [...(config ? [REPO_CONFIG_PATH] : []), ...(devcontainer ? [devcontainer.path] : [])];
  const description =
    source === 'config'
      ? `${files.join(' and ')}${declaredSetup ? '' : detected.setup.length > 0 ? ` (setup detected: ${detected.description})` : ''}`
      : source === 'detected'
        ? detected.description
        : 'no setup: no .drydock/config.yaml and no lockfile';
  return {
    source,
    description,
    setup,
    start: config?.start ?? devcontainer?.start ?? [],
    checks: config?.checks ?? null,
    network: { agent: config?.network.allow ?? [], setup: config?.network.setup ?? [...DEFAULT_SETUP_HOSTS] },
    limits: config?.limits ?? {},
    secrets: {
      setup: config?.secrets.setup ?? 'all',
      start: config?.secrets.start ?? [],
      agent: config?.secrets.agent ?? [],
    },
    inputs: [...new Set(inputs)],
    maxImageAgeMs: config?.maxImageAgeMs ?? DEFAULT_MAX_IMAGE_AGE_MS,
    node: collectNodeRequirements(input),
    packageManager: declaredSetup ? null : detected.packageManager,
    image,
    imageEnv: devcontainer?.env ?? {},
    mcp: config?.mcp ?? [],
  };
}

/**
 * The key of an image's setup inputs: the setup commands plus each input file's content hash (a
 * missing file counts as missing). Pure.
 */
export function setupInputsHash(plan: EnvironmentPlan, contents: ReadonlyMap<string, Buffer | null>): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ setup: plan.setup }));
  for (const file of [...plan.inputs].sort()) {
    const content = contents.get(file) ?? null;
    const digest = content === null ? 'missing' : createHash('sha256').update(content).digest('hex');
    hash.update(`\n${file}\0${digest}`);
  }
  return hash.digest('hex');
}
