import { BadInputError } from '../core/errors.ts';
import type { Sandbox, SandboxRoot } from '../core/ports/sandbox.ts';
import type { EnvironmentImage } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import { runSetupInWorkspace } from '../environments/build-image.ts';
import type { EnvironmentPlan } from '../environments/environment-plan.ts';
import { type ImageRoots, imageRootsFor } from '../environments/image-roots.ts';
import { createLayerStore } from '../environments/layer-store.ts';
import { type EnvironmentDeps, prepareEnvironment } from '../environments/prepare-environment.ts';
import { createRedactor, type NamedSecret, type Redact } from '../environments/redactor.ts';
import { NO_SECRETS, secretsForPhase } from '../environments/secret-vault.ts';
import { excludeSetupOutputs } from '../environments/setup-outputs.ts';
import { handOverWrites } from '../environments/tree-owner.ts';
import { repositoryDirs } from '../forge/repository-dirs.ts';
import { type WorkspaceGit, workspaceGit } from '../forge/workspace-git.ts';
import type { SessionDeps } from './session-deps.ts';
import type { SessionRecorder } from './session-recorder.ts';
import { baseLayerFor, type SessionLayers } from './session-workspace.ts';

/** A start command may run this long (it should start services, not wait for them forever). */
export const START_COMMAND_TIMEOUT_MS = 10 * 60_000;

/** What a session's run knows about its environment. */
export interface SessionEnvironment {
  plan: EnvironmentPlan;
  /** The image the workspace starts from (first run of a layered session only). */
  image: EnvironmentImage | null;
  /** The declared image's root every sandbox of the session runs on; null: the host's system. */
  root: SandboxRoot | null;
  secrets: NamedSecret[];
  redact: Redact;
  /** The agent phase's secrets: the sandbox's base environment. */
  agentEnv: Record<string, string>;
  /** The start phase's secrets: only the start commands get them. */
  startEnv: Record<string, string>;
}

/**
 * Reads the repository's environment at the session's base commit and, on the session's first run
 * on layers, finds or builds its image (recording which and why). A resumed run only reads the plan:
 * its workspace is in the checkpoint.
 */
export async function resolveSessionEnvironment(
  deps: SessionDeps,
  recorder: SessionRecorder,
  options: { baseCommit: string; firstRun: boolean; layered: boolean; signal: AbortSignal },
): Promise<SessionEnvironment> {
  const session = recorder.session;
  const layers = options.layered ? deps.layers : undefined;
  const vault = deps.vault ?? NO_SECRETS;
  // Before anything is recorded: the config itself may hold a value by mistake.
  const known = await vault.forRepo(session.repo);
  recorder.redactWith(known.length > 0 ? createRedactor(known) : null);
  const prepared = await prepareEnvironment(environmentDeps(deps, layers ?? null), {
    repo: session.repo,
    commit: options.baseCommit,
    secrets: known,
    planOnly: !options.firstRun,
    signal: options.signal,
    // Building can take minutes: say so, and which command runs, as it happens.
    onDecision: async (plan, decision) => {
      if (decision?.action !== 'build') return;
      await recorder.record([
        { type: 'environment.building', reason: decision.reason, commands: plan.setup },
      ]);
    },
    onCommand: async (command, index, total) => {
      await recorder.record([{ type: 'environment.command', index, total, command }]);
    },
    // Pulling or building an image takes a while on a first use: each step as it starts.
    onImage: async ({ step, source, line }) => {
      if (line !== undefined || !options.firstRun) return;
      await recorder.record([{ type: 'environment.obtaining', step, source }]);
    },
  });
  const { plan, secrets, redact } = prepared;
  const environment: SessionEnvironment = {
    plan,
    image: prepared.image,
    root: prepared.root,
    secrets,
    redact,
    agentEnv: secretsForPhase(plan, 'agent', secrets, session.repo),
    startEnv: secretsForPhase(plan, 'start', secrets, session.repo),
  };
  recorder.redactWith(secrets.length > 0 ? redact : null);
  if (!options.firstRun) return environment;
  await recorder.record([
    {
      type: 'environment.planned',
      source: plan.source,
      description: plan.description,
      setup: plan.setup,
      start: plan.start,
      ...(plan.node.length > 0
        ? { node: plan.node.map(({ source, requirement }) => ({ source, requirement })) }
        : {}),
      ...(prepared.imageRoot
        ? {
            image: {
              reference: prepared.imageRoot.reference,
              digest: prepared.imageRoot.digest,
              layer: prepared.imageRoot.layer,
              unpacked: prepared.imageRoot.unpacked,
            },
          }
        : {}),
    },
  ]);
  if (prepared.image && prepared.decision) {
    const log = prepared.built
      ? await deps.store.putArtifact({
          sessionId: session.id,
          name: 'setup.log',
          contentType: 'text/plain',
          content: prepared.log,
        })
      : null;
    await recorder.record([
      {
        type: 'environment.image',
        imageId: prepared.image.id,
        reused: !prepared.built,
        reason: prepared.decision.reason,
        setupMs: prepared.built ? prepared.image.setupMs : 0,
        ...(log ? { logArtifactId: log.id } : {}),
      },
    ]);
  }
  return environment;
}

/**
 * Setup in the session's own workspace, for a plain clone (no layers, so no image to reuse): a
 * sandbox with the setup hosts only runs the setup commands, then goes. Throws `setup_failed`.
 */
export async function runSetupInPlace(
  deps: SessionDeps,
  recorder: SessionRecorder,
  environment: SessionEnvironment,
  workspacePath: string,
  signal: AbortSignal,
): Promise<void> {
  const { plan } = environment;
  if (plan.setup.length === 0) return;
  const { log, durationMs } = await runSetupInWorkspace(
    deps.sandboxes,
    workspacePath,
    `${recorder.session.id}-setup`,
    {
      plan,
      redact: environment.redact,
      secretEnv: secretsForPhase(plan, 'setup', environment.secrets, recorder.session.repo),
      root: environment.root,
      signal,
    },
  );
  await excludeSetupOutputs(workspaceGit(workspacePath, deps.sandboxes.confinement));
  const artifact = await deps.store.putArtifact({
    sessionId: recorder.session.id,
    name: 'setup.log',
    contentType: 'text/plain',
    content: log,
  });
  await recorder.record([
    {
      type: 'environment.setup',
      commands: plan.setup,
      inPlace: true,
      reason: `${deps.layers ? 'this workspace is a plain clone' : 'layered workspaces are off'}, so there is no image to reuse (setup.log: ${artifact.id})`,
      durationMs,
    },
  ]);
}

/**
 * The start commands (services the checks need), at every sandbox start and restore. Throws
 * `start_failed` with the tail of the output when one fails.
 */
export async function runStartCommands(
  sandbox: Sandbox,
  recorder: SessionRecorder,
  environment: SessionEnvironment,
  signal: AbortSignal,
  services: { separated: boolean; workspace?: string | undefined },
): Promise<void> {
  const { separated } = services;
  const { start } = environment.plan;
  if (start.length === 0) return;
  const started = Date.now();
  for (const command of start) {
    const result = await sandbox.exec(command, {
      // Apart from the agent's processes, which could otherwise read a start secret in /proc/<pid>/environ.
      compartment: 'services',
      ...(services.workspace === undefined ? {} : { servicesWorkspace: services.workspace }),
      env: environment.startEnv,
      timeoutMs: START_COMMAND_TIMEOUT_MS,
      signal,
    });
    if (result.exitCode !== 0) {
      const output = environment.redact(result.output).trimEnd().split('\n').slice(-20).join('\n');
      throw new BadInputError(
        'start_failed',
        `The start command \`${command}\` from .drydock/config.yaml exited with ${result.exitCode ?? result.signal}. Last lines:\n${output}`,
      );
    }
  }
  await recorder.record([
    {
      type: 'environment.started',
      commands: start,
      durationMs: Date.now() - started,
      // Said where it matters: when the start phase has secrets.
      ...(Object.keys(environment.startEnv).length > 0 ? { separated } : {}),
    },
  ]);
}

/**
 * Brings a workspace started from an image (checked out at the image's commit) to the session's
 * base commit, with drydock's git from outside the sandbox: fetches the commit from the repository
 * when the image's clone lacks it, then checks it out, which rewrites only the files that differ.
 */
export async function checkoutSessionCommit(
  git: WorkspaceGit,
  session: Pick<Session, 'repo'>,
  { baseCommit: commit, image }: { baseCommit: string; image: EnvironmentImage },
): Promise<void> {
  if (image.commit === commit) return;
  const present = await git.run(['cat-file', '-e', `${commit}^{commit}`]).then(
    () => true,
    () => false,
  );
  if (!present) {
    await git.run(['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', session.repo, commit], {
      readable: await repositoryDirs(session.repo),
      timeoutMs: 600_000,
    });
  }
  await git.run(['checkout', '--quiet', '--force', '--detach', commit], { timeoutMs: 600_000 });
  // Written as drydock's user: the agent's, like the rest of the tree.
  await handOverWrites(git.workspace);
}

/**
 * What preparing an environment needs from a session's wiring: the store, the vault, and the layered
 * workspaces when images are wanted (`layers`; null: a plan and clones only).
 */
export function environmentDeps(deps: SessionDeps, layers: SessionLayers | null): EnvironmentDeps {
  return {
    store: deps.store,
    clock: deps.clock,
    vault: deps.vault ?? NO_SECRETS,
    layers: layers
      ? { sandboxes: layers.sandboxes, store: layers.store, ...(layers.sync ? { sync: layers.sync } : {}) }
      : null,
    baseLayer: (repo, commit) =>
      layers
        ? baseLayerFor(layers.store, repo, commit)
        : Promise.reject(new Error('No layered workspaces here.')),
    confinement: deps.sandboxes.confinement,
    imageRoots: imageRootsOf(deps, layers),
  };
}

/**
 * Where a session's declared image is unpacked: the layer store of the layered workspaces (so the
 * snapshot store carries it too), else one opened in drydock's home (clones run on images as well).
 */
export function imageRootsOf(deps: Pick<SessionDeps, 'home' | 'layers'>, layers: SessionLayers | null) {
  const on = layers ?? deps.layers ?? null;
  return async (): Promise<ImageRoots> =>
    on ? imageRootsFor(on.store, on.sync) : imageRootsFor(await createLayerStore(deps.home));
}
