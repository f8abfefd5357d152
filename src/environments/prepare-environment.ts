import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { HostCommandConfinement, SandboxRoot } from '../core/ports/sandbox.ts';
import type { EnvironmentImage, EnvironmentImageRoot, Store } from '../core/ports/store.ts';
import { buildEnvironmentImage } from './build-image.ts';
import {
  DEVCONTAINER_PATHS,
  type Devcontainer,
  parseDevcontainer,
  resolveDevcontainerEnv,
} from './devcontainer.ts';
import {
  type EnvironmentPlan,
  PLAN_TEXT_FILES,
  planEnvironment,
  setupInputsHash,
} from './environment-plan.ts';
import { type ImageProgress, type ImageRoots, type PreparedImage, sandboxRootOf } from './image-roots.ts';
import type { LayerStore } from './layer-store.ts';
import type { LayerSync } from './layer-sync.ts';
import type { LayeredSandboxes } from './layered-sandbox.ts';
import { decideRebuild, type RebuildDecision } from './rebuild-policy.ts';
import { createRedactor, type NamedSecret, type Redact } from './redactor.ts';
import { listFilesAt, readFileAt, readRepoConfig } from './repo-files.ts';
import type { SecretVault } from './secret-vault.ts';
import { secretsForPhase } from './secret-vault.ts';

/**
 * Images are keyed by this besides the repository and its setup inputs: drydock's version and the
 * image format, so a drydock upgrade builds fresh images rather than trusting old ones.
 */
export const RUNTIME_VERSION = `drydock-${
  (
    JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version
}+image-1`;

export interface EnvironmentDeps {
  store: Store;
  clock: Clock;
  vault: SecretVault;
  /** Layered workspaces; without them there are no images and setup runs in each workspace. */
  /** `sync` (a snapshot store) fetches an image's layers that another machine built. */
  layers: { sandboxes: LayeredSandboxes; store: LayerStore; sync?: LayerSync } | null;
  /** The base checkout layer of a repository at a commit. */
  baseLayer(repo: string, commit: string): Promise<string>;
  /** How drydock's git runs over what setup wrote (the session provider's). */
  confinement: HostCommandConfinement;
  /** Where declared images are unpacked (asked only when the repository declares one). */
  imageRoots?: () => Promise<ImageRoots>;
}

export interface PrepareOptions {
  repo: string;
  commit: string;
  /** Build a new image even when a current one exists (`drydock env build`). */
  force?: boolean;
  /** The repository's secrets when the caller has read them already (else they are read here). */
  secrets?: NamedSecret[];
  /** Only the plan and the secrets: no image is looked up or built (a resumed session has its workspace). */
  planOnly?: boolean;
  onDecision?: (plan: EnvironmentPlan, decision: RebuildDecision | null) => void | Promise<void>;
  onOutput?: (text: string) => void;
  onCommand?: (command: string, index: number, total: number) => void | Promise<void>;
  /** Obtaining the declared image: each step as it starts, and the tools' output lines. */
  onImage?: (progress: ImageProgress) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface PreparedEnvironment {
  plan: EnvironmentPlan;
  /** The declared image, unpacked (null: none declared, the host's system). */
  imageRoot: PreparedImage | null;
  /** The sandbox root every sandbox of the environment runs on (setup's, the session's); null: the host's. */
  root: SandboxRoot | null;
  /** The image to start from; null when the plan has no setup or there are no layers. */
  image: EnvironmentImage | null;
  /** Whether this call built the image (and how long setup took), or reused one. */
  built: boolean;
  decision: RebuildDecision | null;
  /** Setup output when this call built the image, redacted. */
  log: string;
  /** Every secret the repository can see, and the redactor for them. */
  secrets: NamedSecret[];
  redact: Redact;
}

const building = new Map<string, Promise<PreparedEnvironment>>();

/**
 * The environment a session on `repo` at `commit` starts from: reads `.drydock/config.yaml` at the
 * commit (else detects), keys the image by its setup inputs, and reuses a current image or builds
 * one (decideRebuild). Concurrent calls for the same key in one process share one build.
 */
export async function prepareEnvironment(
  deps: EnvironmentDeps,
  options: PrepareOptions,
): Promise<PreparedEnvironment> {
  const { repo, commit } = options;
  const config = await readRepoConfig(repo, commit);
  const files = await listFilesAt(repo, commit);
  const packageJson = files.includes('package.json') ? await readJson(repo, commit, 'package.json') : null;
  const texts = await readTexts(repo, commit, files);
  const devcontainer = await readDevcontainer(repo, commit, files);
  const plan = planEnvironment({ config, files, packageJson, texts, devcontainer });
  const secrets = options.secrets ?? (await deps.vault.forRepo(repo));
  const redact = createRedactor(secrets);
  const imageRoot = plan.image ? await prepareImageRoot(deps, options, plan, secrets, redact) : null;
  const root = imageRoot?.root ?? null;
  const none = {
    plan,
    imageRoot: imageRoot?.image ?? null,
    root,
    image: null,
    built: false,
    decision: null,
    log: '',
    secrets,
    redact,
  };
  if (plan.setup.length === 0 || !deps.layers || options.planOnly) {
    await options.onDecision?.(plan, null);
    return none;
  }
  const contents = new Map<string, Buffer | null>();
  for (const file of plan.inputs) contents.set(file, await readFileAt(repo, commit, file));
  const inputsHash = withImage(setupInputsHash(plan, contents), imageRoot?.image.digest ?? null);
  const key = `${repo}\0${inputsHash}`;
  const pending = building.get(key);
  if (pending && !options.force) return pending;

  const layers = deps.layers;
  const run = (async (): Promise<PreparedEnvironment> => {
    const match = await deps.store.findEnvironment(repo, inputsHash, RUNTIME_VERSION);
    const [latest] = await deps.store.listEnvironments(repo);
    const layersPresent = match ? await haveLayers(layers, match.layers) : false;
    const decision = decideRebuild({
      match,
      latest: latest ?? null,
      inputsHash,
      runtimeVersion: RUNTIME_VERSION,
      nowMs: deps.clock.now().getTime(),
      maxAgeMs: plan.maxImageAgeMs,
      layersPresent,
      ...(options.force ? { force: true } : {}),
    });
    await options.onDecision?.(plan, decision);
    if (decision.action === 'reuse') return { ...none, image: decision.image, decision };
    const built = await buildEnvironmentImage({
      store: deps.store,
      sandboxes: layers.sandboxes,
      confinement: deps.confinement,
      repo,
      commit,
      baseLayer: await deps.baseLayer(repo, commit),
      plan,
      inputsHash,
      runtimeVersion: RUNTIME_VERSION,
      ...(imageRoot ? { root: imageRoot.root, imageRoot: storedRoot(imageRoot.image) } : {}),
      secretEnv: secretsForPhase(plan, 'setup', secrets, repo),
      redact,
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
      ...(options.onCommand ? { onCommand: options.onCommand } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { ...none, image: built.image, built: true, decision, log: built.log };
  })();
  building.set(key, run);
  try {
    return await run;
  } finally {
    if (building.get(key) === run) building.delete(key);
  }
}

/** An environment image's key with the image's digest in it: a new digest is a new environment image. Pure. */
export function withImage(inputsHash: string, digest: string | null): string {
  if (digest === null) return inputsHash;
  return createHash('sha256').update(`${inputsHash}\0image\0${digest}`).digest('hex');
}

function storedRoot(image: PreparedImage): EnvironmentImageRoot {
  const { reference, digest, layer, env, workingDir, user } = image;
  return { reference, digest, layer, env, workingDir, user };
}

/**
 * The declared image, unpacked, and the sandbox root on it (its environment under the devcontainer's).
 * The credentials secret is read from the vault here and goes to the image tools only.
 */
async function prepareImageRoot(
  deps: EnvironmentDeps,
  options: PrepareOptions,
  plan: EnvironmentPlan,
  secrets: readonly NamedSecret[],
  redact: Redact,
): Promise<{ image: PreparedImage; root: SandboxRoot } | null> {
  const source = plan.image;
  if (!source) return null;
  let credentials: string | null = null;
  if (source.credentials !== null) {
    const secret = secrets.find((each) => each.name === source.credentials);
    if (!secret) {
      throw new BadInputError(
        'secret_not_set',
        `${source.declaredIn} logs in to the image's registry with the secret ${source.credentials} (user:password), which is not set. Set it with: echo -n USER:PASSWORD | drydock secret set ${source.credentials} --repo ${options.repo}`,
      );
    }
    credentials = secret.value;
  }
  if (!deps.imageRoots)
    throw new Error('prepareEnvironment: the repository declares an image, and no imageRoots were wired.');
  const roots = await deps.imageRoots();
  const image = await roots.prepare({
    source,
    repo: options.repo,
    commit: options.commit,
    credentials,
    redact,
    known: async (digest) =>
      (await deps.store.listEnvironments(options.repo)).find((each) => each.imageRoot?.digest === digest)
        ?.imageRoot ?? null,
    ...(options.onImage ? { onProgress: options.onImage } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const declared = plan.imageEnv;
  const extra = resolveDevcontainerEnv(declared, image.env, {
    workdir: '/workspace',
    path: source.declaredIn,
  });
  return { image, root: sandboxRootOf(image, roots.store, extra) };
}

/** The repository's devcontainer.json at the commit, parsed; null when it has none. */
async function readDevcontainer(
  repo: string,
  commit: string,
  files: readonly string[],
): Promise<Devcontainer | null> {
  const path = DEVCONTAINER_PATHS.find((each) => files.includes(each));
  if (path === undefined) return null;
  const content = await readFileAt(repo, commit, path);
  return content === null ? null : parseDevcontainer(content.toString('utf8'), path);
}

/** Whether every layer is here, fetching the missing ones from the snapshot store when there is one. */
async function haveLayers(
  layers: { store: LayerStore; sync?: LayerSync },
  ids: readonly string[],
): Promise<boolean> {
  const present = await Promise.all(ids.map((id) => layers.store.has(id)));
  if (present.every(Boolean)) return true;
  if (!layers.sync) return false;
  try {
    await layers.sync.fetchMissing(ids);
    return true;
  } catch {
    return false;
  }
}

/** Detection reads at most this much of each file: a lockfile's format is in its first lines. */
const TEXT_HEAD_CHARS = 8192;

/** The texts of PLAN_TEXT_FILES the commit has (their heads). */
async function readTexts(
  repo: string,
  commit: string,
  files: readonly string[],
): Promise<Record<string, string>> {
  const texts: Record<string, string> = {};
  for (const path of PLAN_TEXT_FILES) {
    if (!files.includes(path)) continue;
    const content = await readFileAt(repo, commit, path);
    if (content !== null) texts[path] = content.subarray(0, TEXT_HEAD_CHARS).toString('utf8');
  }
  return texts;
}

async function readJson(repo: string, commit: string, path: string): Promise<Record<string, object> | null> {
  const content = await readFileAt(repo, commit, path);
  try {
    return content === null ? null : (JSON.parse(content.toString('utf8')) as Record<string, object>);
  } catch {
    return null;
  }
}
