import { InternalError } from '../core/errors.ts';
import type { Sandbox, SandboxSpec } from '../core/ports/sandbox.ts';
import { NO_REDACTION } from '../core/redaction.ts';
import { prepareWorkspace, remountWorkspaceDisk } from '../environments/local-workspace.ts';
import { redactingSandbox } from '../environments/redacting-sandbox.ts';
import { workspaceGit } from '../forge/workspace-git.ts';
import { readCheckpoint } from './checkpoint-schema.ts';
import type { ChildRuns } from './child-runs.ts';
import { createSessionMcp, NO_MCP, type SessionMcp } from './mcp-servers/session-mcp.ts';
import type { PhaseResult } from './phases.ts';
import { isWorkPhase } from './phases.ts';
import { playbookPlan } from './playbooks.ts';
import { closeWorkspace, workspacePathOf } from './readable-workspace.ts';
import {
  cloneServicesWorkspace,
  openLayeredServicesWorkspace,
  type ServicesWorkspace,
  servicesWorkspaceMissing,
} from './services-workspace.ts';
import type { SessionCheckpoint } from './session-checkpoint.ts';
import { initialCheckpoint, openTurn } from './session-checkpoint.ts';
import type { RunObserver, SessionDeps } from './session-deps.ts';
import {
  checkoutSessionCommit,
  resolveSessionEnvironment,
  runSetupInPlace,
  runStartCommands,
  type SessionEnvironment,
} from './session-environment.ts';
import type { SessionRecorder } from './session-recorder.ts';
import type { SessionRun } from './session-run.ts';
import {
  baseLayerFor,
  openSessionWorkspace,
  type SessionWorkspace,
  usesLayers,
} from './session-workspace.ts';
import { guardRouter } from './spend-guard.ts';
import { spendRepo } from './spend-limits.ts';

/** A provisioned run: its sandbox is up, its services started. `release` ends it, whatever happened. */
export interface ProvisionedRun {
  run: SessionRun;
  result: PhaseResult;
  release(): Promise<void>;
}

interface Provisioning {
  deps: SessionDeps;
  recorder: SessionRecorder;
  baseCommit: string;
  stored: SessionCheckpoint | null;
  environment: SessionEnvironment;
  spec: Omit<SandboxSpec, 'workspacePath'>;
  workspacePath: string;
  /** Start commands with secrets run on the session's starting tree, never on the agent's changes. */
  servicesApart: boolean;
  signal: AbortSignal;
  /** The run the restore hook and a snapshot need, once there is one. */
  current(): SessionRun | null;
  /** The run's MCP servers, from before they start: a restore starts the stdio ones again. */
  mcp(): SessionMcp;
}

/** What a workspace strategy opened: the sandbox, and what ending the run must close. */
interface Opened {
  sandbox: Sandbox;
  layered?: SessionWorkspace;
  services?: ServicesWorkspace;
  servicesStack?: string[];
}

/**
 * provisioning, on every run of a session (every run needs a sandbox): reads the repository's
 * environment (on a first run, finds or builds its image), opens the workspace (an overlay on the
 * image or the last snapshot when layers are on, else a plain clone set up in place), starts the
 * sandbox and the repository's start commands. Then says where the session goes: a new session to
 * setup, a follow-up turn back to work, a session a run left mid-way where it stood.
 */
export async function provision(
  deps: SessionDeps,
  recorder: SessionRecorder,
  options: RunObserver & {
    baseCommit: string;
    signal: AbortSignal;
    handOff?: AbortSignal;
    children: ChildRuns;
  },
): Promise<ProvisionedRun> {
  const session = recorder.session;
  const { baseCommit, signal } = options;
  // Eager: a bad model or a missing key fails the session before anything is built.
  // Every model call of the run goes through the spend guard: the ledger, and the limits (docs/cost.md).
  const router = guardRouter(deps.models(session.model, session.friendModel), {
    store: deps.store,
    sessionId: session.id,
    repo: spendRepo(deps.home, session.repo),
    ...(session.createdBy ? { creator: session.createdBy.id } : {}),
    configured: deps.spendLimits ?? [],
  });
  const workspacePath = workspacePathOf(deps.home, session.id);
  const stored = await readCheckpoint(deps.store, session.id);
  // A clone on a disk image that a sweep unmounted is a clone, not an empty (layered) workspace.
  await remountWorkspaceDisk(workspacePath);
  const onLayers = deps.layers ? await usesLayers(deps.layers, workspacePath, stored?.workspace) : false;
  const environment = await resolveSessionEnvironment(deps, recorder, {
    baseCommit,
    firstRun: stored === null,
    layered: onLayers,
    signal,
  });
  const allow = [
    ...(deps.allowHosts ?? []),
    ...environment.plan.network.agent,
    ...(session.allowHosts ?? []),
  ];
  // The repository's own limits over drydock's (the disk quota is drydock's: --disk).
  const limits = { ...deps.limits, ...environment.plan.limits };
  const spec = {
    sessionId: session.id,
    ...(environment.root ? { root: environment.root } : {}),
    readOnlyPaths: ['.git'],
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(Object.keys(environment.agentEnv).length > 0 ? { env: environment.agentEnv } : {}),
    ...(allow.length > 0
      ? {
          network: {
            allow,
            // Every refused connection is an event the user sees ("blocked: example.org:443").
            onBlocked: ({ host, port }: { host: string; port: number }) => {
              recorder.record([{ type: 'network.blocked', host, port }]).catch(() => {});
            },
          },
        }
      : {}),
  };
  // A playbook's steps are the coder's plan from its first step (docs/playbooks.md).
  const plan = stored === null ? await playbookPlan(deps.store, session) : null;
  let run: SessionRun | null = null;
  let mcp: SessionMcp = NO_MCP;
  const provisioning: Provisioning = {
    deps,
    recorder,
    baseCommit,
    stored,
    environment,
    spec,
    workspacePath,
    servicesApart:
      (deps.sandboxes.capabilities.separateServices ?? false) && Object.keys(environment.startEnv).length > 0,
    signal,
    current: () => run,
    mcp: () => mcp,
  };
  const opened = await (onLayers ? openLayered(provisioning) : openClone(provisioning));
  // The servers go before the sandbox they run in (or that the remote ones' calls are made for).
  const release = () => mcp.close().finally(() => releaseRun(opened, recorder, run, workspacePath));
  try {
    await startServices(provisioning, opened, opened.sandbox);
    // After the start commands (a server may need their services); on every run, a resumed one too.
    const starting = createSessionMcp({
      servers: environment.plan.mcp,
      // The workspace's (on whichever sandbox is current): a server's exec that meets a dead sandbox
      // restores it, like any command.
      sandbox: opened.sandbox,
      recorder,
      secrets: environment.secrets,
      remoteAllow: deps.mcpRemoteAllow,
      servicesWorkspace: opened.services?.path,
      separated: deps.sandboxes.capabilities.separateServices ?? false,
    });
    // Held before it starts: a sandbox restored while the servers start brings back the ones already up.
    mcp = starting;
    await starting.start();
    const redact = environment.secrets.length > 0 ? environment.redact : NO_REDACTION;
    run = {
      deps,
      recorder,
      router,
      baseCommit,
      sandbox: opened.sandbox,
      view: redact === NO_REDACTION ? opened.sandbox : redactingSandbox(opened.sandbox, redact),
      redact,
      workspacePath,
      signal,
      observer: options,
      children: options.children,
      checkpoint: stored ?? {
        ...initialCheckpoint(session.task, plan ?? undefined),
        ...(opened.servicesStack ? { servicesStack: opened.servicesStack } : {}),
      },
      ...(opened.layered ? { layered: opened.layered } : {}),
      environment,
      mcp,
      ...(options.handOff ? { handOff: options.handOff } : {}),
    };
    return { run, result: await startTurn(run, stored, opened), release };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Where the provisioned session goes: setup (new), working (a follow-up), or where it stood. */
async function startTurn(
  run: SessionRun,
  stored: SessionCheckpoint | null,
  opened: Opened,
): Promise<PhaseResult> {
  const { recorder, deps } = run;
  const state = recorder.session.state;
  if (state !== 'provisioning') {
    if (!isWorkPhase(state))
      throw new InternalError('invalid_transition', `A ${state} session has nothing to run.`);
    return { kind: 'resume', at: state };
  }
  if (stored !== null) {
    // A follow-up turn: the workspace holds the earlier turns' work and the baseline stands.
    run.checkpoint = openTurn(stored);
    return { kind: 'follow_up' };
  }
  const { hostUser, name } = deps.sandboxes.capabilities;
  return {
    kind: 'done',
    events: [
      {
        type: 'workspace.ready',
        baseCommit: run.baseCommit,
        path: run.workspacePath,
        sandbox: name,
        ...(hostUser === undefined ? {} : { hostUid: hostUser.uid }),
        ...(opened.layered ? { warm: opened.layered.warm } : {}),
      },
      ...(run.checkpoint.agent.todos
        ? [{ type: 'todo.updated' as const, step: 0, items: run.checkpoint.agent.todos }]
        : []),
    ],
  };
}

/** An overlay on the environment image (first run) or on the checkpoint's last snapshot. */
async function openLayered(p: Provisioning): Promise<Opened> {
  const { deps, recorder, stored, environment, baseCommit } = p;
  const layers = deps.layers;
  if (!layers) throw new Error('openLayered needs layered workspaces.');
  const session = recorder.session;
  const image = stored?.workspace ? null : environment.image;
  let start = stored?.workspace ?? {
    layers: image ? image.layers : [await baseLayerFor(layers.store, session.repo, baseCommit)],
  };
  let services: ServicesWorkspace | undefined;
  const workspace: SessionWorkspace = await openSessionWorkspace({
    layers,
    snapshot: start,
    // Sessions on one environment image start on the same stack: a started one may be waiting.
    pooled: image !== null,
    spec: p.spec,
    stablePath: p.workspacePath,
    lastSaved: () => p.current()?.checkpoint.workspace ?? start,
    onRestored: async (event) => {
      await recorder.record([event]);
      try {
        // Services the checks need come back with the sandbox.
        await startServices(
          p,
          { sandbox: workspace.current, ...(services ? { services } : {}) },
          workspace.current,
        );
      } finally {
        // Then the stdio MCP servers (they may need the services). Not awaited (their calls wait for
        // it instead): a server's exec that met another death here would wait on this very restore.
        p.mcp().restartStdio();
      }
    },
  });
  try {
    if (image && image.commit !== baseCommit) {
      await checkoutSessionCommit(workspaceGit(p.workspacePath, deps.sandboxes.confinement), session, {
        baseCommit,
        image,
      });
      // A sandbox that dies before the first step is replaced at the session's commit, not the image's.
      start = await workspace.snapshot();
    }
    if (!p.servicesApart) return { sandbox: workspace.sandbox, layered: workspace };
    const servicesStack = stored ? stored.servicesStack : [...start.layers];
    if (servicesStack === undefined) throw servicesWorkspaceMissing();
    services = await openLayeredServicesWorkspace(deps, session.id, servicesStack);
    return { sandbox: workspace.sandbox, layered: workspace, services, servicesStack };
  } catch (error) {
    await workspace.close().catch(() => {});
    throw error;
  }
}

/** A plain clone of the repository at the base commit, set up in place on its first run. */
async function openClone(p: Provisioning): Promise<Opened> {
  const { deps, recorder, stored, environment, spec } = p;
  await prepareWorkspace(recorder.session.repo, p.baseCommit, p.workspacePath, {
    diskBytes: spec.limits?.diskBytes,
  });
  if (stored === null) await runSetupInPlace(deps, recorder, environment, p.workspacePath, p.signal);
  const services = p.servicesApart
    ? await cloneServicesWorkspace(p.workspacePath, stored === null)
    : undefined;
  try {
    const sandbox = await deps.sandboxes.create({ ...spec, workspacePath: p.workspacePath });
    return { sandbox, ...(services ? { services } : {}) };
  } catch (error) {
    await services?.release().catch(() => {});
    throw error;
  }
}

function startServices(p: Provisioning, opened: Opened, target: Sandbox): Promise<void> {
  return runStartCommands(target, p.recorder, p.environment, p.signal, {
    separated: p.deps.sandboxes.capabilities.separateServices ?? false,
    workspace: opened.services?.path,
  });
}

/**
 * Ends a run's sandbox and workspace. A layered run takes a last snapshot (delivery's commit is in the
 * workspace) into the checkpoint, and its workspace stays readable at its usual path as a view of that
 * snapshot (readable-workspace.ts). A run another took over only goes: the other's checkpoint stands.
 */
async function releaseRun(
  opened: Opened,
  recorder: SessionRecorder,
  run: SessionRun | null,
  workspacePath: string,
): Promise<void> {
  try {
    if (!opened.layered) await opened.sandbox.destroy().catch(() => {});
    else if (recorder.takenOver) await opened.layered.abandon();
    else {
      const layered = opened.layered;
      const last = await closeWorkspace(workspacePath, () => layered.close()).catch(() => null);
      if (run && last) {
        run.checkpoint = { ...run.checkpoint, workspace: last };
        await recorder.record([], {}, run.checkpoint).catch(() => {});
      }
    }
  } finally {
    await opened.services?.release().catch(() => {});
  }
}
