import { join } from 'node:path';
import type { AgentState } from '../agent/agent-state.ts';
import { coderSystemPrompt } from '../agent/coder-prompt.ts';
import { runAgent } from '../agent/loop.ts';
import { createCodingTools } from '../agent/tools/index.ts';
import { describeError, isDrydockError, NotFoundError } from '../core/errors.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import type { JsonValue } from '../core/ports/store.ts';
import { NO_REDACTION } from '../core/redaction.ts';
import type { Session } from '../core/session.ts';
import { isTerminal } from '../core/session-state.ts';
import { prepareWorkspace, remountWorkspaceDisk } from '../environments/local-workspace.ts';
import { redactingSandbox } from '../environments/redacting-sandbox.ts';
import { workspaceGit } from '../forge/workspace-git.ts';
import { respondToFindingTool } from '../review/respond-to-finding-tool.ts';
import { followUpPrompt, messageTexts, reopenIfUnread } from './follow-ups.ts';
import { decideAfterAgent } from './outcome.ts';
import {
  cloneServicesWorkspace,
  openLayeredServicesWorkspace,
  type ServicesWorkspace,
  servicesWorkspaceMissing,
} from './services-workspace.ts';
import type { SessionCheckpoint } from './session-checkpoint.ts';
import { initialCheckpoint, openTurn } from './session-checkpoint.ts';
import type { RunObserver, SessionDeps } from './session-deps.ts';
import { deliver, finishWithout } from './session-ending.ts';
import {
  checkoutSessionCommit,
  resolveSessionEnvironment,
  runSetupInPlace,
  runStartCommands,
} from './session-environment.ts';
import { SessionRecorder } from './session-recorder.ts';
import { isHandOff, type SessionRun, save, saveArtifact, stopIfHandedOff } from './session-run.ts';
import {
  baseLayerFor,
  mountViewIfGone,
  openSessionWorkspace,
  type SessionWorkspace,
  unmountView,
  usesLayers,
} from './session-workspace.ts';
import { type GateStep, reviewChange, runBaseline, verifyChange } from './verification.ts';

export function workspacePathOf(home: string, sessionId: string): string {
  return join(home, 'sessions', sessionId, 'workspace');
}

const views = new Map<string, { readers: number; mounted: Promise<boolean> }>();

/**
 * Runs `read` on the session's workspace path for host git (diffs, patches, pulls). An ended layered
 * session keeps no mount: a view of its last snapshot is mounted for the read and unmounted after the
 * last concurrent reader in this process is done. A running session's workspace (or a plain clone,
 * its disk image mounted again if a sweep unmounted it) is read where it is.
 */
export async function withReadableWorkspace<T>(
  deps: SessionDeps,
  sessionId: string,
  read: (path: string) => Promise<T>,
): Promise<T> {
  const path = workspacePathOf(deps.home, sessionId);
  const layers = deps.layers;
  if (!layers) {
    await remountWorkspaceDisk(path).catch(() => {});
    return read(path);
  }
  let view = views.get(path);
  if (!view) {
    const mounted = (async () => {
      await remountWorkspaceDisk(path).catch(() => {});
      const checkpoint = (await deps.store.loadCheckpoint(sessionId)) as SessionCheckpoint | null;
      return mountViewIfGone(layers, path, checkpoint?.workspace).catch(() => false);
    })();
    view = { readers: 0, mounted };
    views.set(path, view);
  }
  view.readers += 1;
  try {
    await view.mounted;
    return await read(path);
  } finally {
    view.readers -= 1;
    if (view.readers === 0) {
      views.delete(path);
      if (await view.mounted) await unmountView(path).catch(() => {});
    }
  }
}

/** Reviewer rounds before drydock bows out with the findings still open. */
export const MAX_REVIEW_ROUNDS = 3;

/**
 * Drives one session through its lifecycle: provisioning (workspace and sandbox), setup (the baseline
 * run of the repository's checks), working (the agent loop) ⇄ verifying (the gate) ⇄ reviewing (a
 * separate reviewer), delivering (drydock commits and hands the branch over), and a final state.
 * Resumes from the stored checkpoint. A queued session that already has a checkpoint is a new turn
 * (a follow-up): it goes straight back to work on the same workspace, without a new baseline.
 * Returns the session as it ended; failures inside are recorded on the session (state `failed`)
 * rather than thrown. An ended session that received a follow-up its agent never read is queued again.
 */
export async function runSession(
  deps: SessionDeps,
  sessionId: string,
  options: RunObserver & {
    signal?: AbortSignal;
    /** The worker is stopping: end after the next saved step, leaving the session live for another worker. */
    handOff?: AbortSignal;
    /**
     * A fencing token, fresh for this run: the run claims the session with it (`Store.claimSession`)
     * and every write of the run names it. When another run claims the session since, this run stops
     * at the refused write, records nothing more and throws ConflictError `session_taken_over`: the
     * session is the other's.
     */
    owner?: string;
  } = {},
): Promise<Session> {
  const read = async () => {
    const found = await deps.store.getSession(sessionId);
    if (found) return found;
    throw new NotFoundError(
      'session_not_found',
      `No session ${sessionId}. List sessions with: drydock sessions`,
    );
  };
  let session = await read();
  if (isTerminal(session.state)) return session;
  if (options.owner !== undefined) {
    await deps.store.claimSession(sessionId, options.owner);
    // Read again after the claim: a run that owned the session until now can write nothing more, so
    // this is its last state (it may even have ended the session just before).
    session = await read();
    if (isTerminal(session.state)) return session;
  }
  const recorder = new SessionRecorder(
    deps.store,
    session,
    options,
    options.owner === undefined ? {} : { owner: options.owner },
  );
  const ended = await runPhases(deps, recorder, options);
  // A refusal some write swallowed (a network.blocked event) still ends the run here, unwritten.
  if (recorder.takenOver) throw recorder.takenOver;
  if (await reopenIfUnread(deps.store, ended.id)) return (await deps.store.getSession(ended.id)) ?? ended;
  return ended;
}

async function runPhases(
  deps: SessionDeps,
  recorder: SessionRecorder,
  options: RunObserver & { signal?: AbortSignal; handOff?: AbortSignal },
): Promise<Session> {
  const session = recorder.session;
  const signal = options.signal ?? new AbortController().signal;
  let sandbox: Sandbox | null = null;
  let layered: SessionWorkspace | null = null;
  let services: ServicesWorkspace | null = null;
  let run: SessionRun | null = null;
  try {
    const router = deps.models(session.model);
    const workspacePath = workspacePathOf(deps.home, session.id);
    if (session.state === 'queued') await recorder.transition('provisioning');
    const stored = (await deps.store.loadCheckpoint(session.id)) as SessionCheckpoint | null;
    // A clone on a disk image that a sweep unmounted is a clone, not an empty (layered) workspace.
    await remountWorkspaceDisk(workspacePath);
    const onLayers = deps.layers ? await usesLayers(deps.layers, workspacePath, stored?.workspace) : false;
    const environment = await resolveSessionEnvironment(deps, recorder, {
      firstRun: stored === null,
      layered: onLayers,
      signal,
    });
    const allow = [...(deps.allowHosts ?? []), ...environment.plan.network.agent];
    const separateServices = deps.sandboxes.capabilities.separateServices ?? false;
    // Start commands with secrets run on the session's starting tree, never on the agent's changes.
    const servicesApart = separateServices && Object.keys(environment.startEnv).length > 0;
    let servicesStack: string[] | undefined;
    const startServices = (target: Sandbox): Promise<void> =>
      runStartCommands(target, recorder, environment, signal, {
        separated: separateServices,
        workspace: services?.path,
      });
    // The repository's own limits over drydock's (the disk quota is drydock's: --disk).
    const limits = { ...deps.limits, ...environment.plan.limits };
    const spec = {
      sessionId: session.id,
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
    if (deps.layers && onLayers) {
      const { store } = deps.layers;
      const image = stored?.workspace ? null : environment.image;
      let start = stored?.workspace ?? {
        layers: image ? image.layers : [await baseLayerFor(store, session.repo, session.baseCommit!)],
      };
      const opened: SessionWorkspace = await openSessionWorkspace({
        layers: deps.layers,
        snapshot: start,
        // Sessions on one environment image start on the same stack: a started one may be waiting.
        pooled: image !== null,
        spec,
        stablePath: workspacePath,
        lastSaved: () => run?.checkpoint.workspace ?? start,
        onRestored: async (event) => {
          await recorder.record([event]);
          // Services the checks need come back with the sandbox.
          await startServices(opened.current);
        },
      });
      layered = opened;
      if (image && image.commit !== session.baseCommit) {
        await checkoutSessionCommit(workspaceGit(workspacePath, deps.sandboxes.confinement), session, image);
        // A sandbox that dies before the first step is replaced at the session's commit, not the image's.
        start = await opened.snapshot();
      }
      if (servicesApart) {
        servicesStack = stored ? stored.servicesStack : [...start.layers];
        if (servicesStack === undefined) throw servicesWorkspaceMissing();
        services = await openLayeredServicesWorkspace(deps, session.id, servicesStack);
      }
      sandbox = opened.sandbox;
    } else {
      await prepareWorkspace(session.repo, session.baseCommit!, workspacePath, {
        diskBytes: limits.diskBytes,
      });
      if (stored === null) await runSetupInPlace(deps, recorder, environment, workspacePath, signal);
      if (servicesApart) services = await cloneServicesWorkspace(workspacePath, stored === null);
      sandbox = await deps.sandboxes.create({ ...spec, workspacePath });
    }
    await startServices(sandbox);
    const redact = environment.secrets.length > 0 ? environment.redact : NO_REDACTION;
    run = {
      deps,
      recorder,
      router,
      sandbox,
      view: redact === NO_REDACTION ? sandbox : redactingSandbox(sandbox, redact),
      redact,
      workspacePath,
      signal,
      observer: options,
      checkpoint: stored ?? {
        ...initialCheckpoint(session.task),
        ...(servicesStack ? { servicesStack } : {}),
      },
      ...(layered ? { layered } : {}),
      environment,
      ...(options.handOff ? { handOff: options.handOff } : {}),
    };
    if (signal.aborted) return await finishWithout(run, 'cancelled', 'cancelled by the user');
    if (recorder.session.state === 'provisioning' && stored !== null) {
      // A follow-up turn: the workspace holds the earlier turns' work and the baseline stands.
      run.checkpoint = openTurn(stored);
      await recorder.transition('working', {
        reason: 'a follow-up opens a new turn',
        checkpoint: run.checkpoint as unknown as JsonValue,
      });
    }
    if (recorder.session.state === 'provisioning') {
      const { hostUser } = deps.sandboxes.capabilities;
      await recorder.transition('setup', {
        events: [
          {
            type: 'workspace.ready',
            baseCommit: session.baseCommit!,
            path: workspacePath,
            sandbox: deps.sandboxes.capabilities.name,
            ...(hostUser === undefined ? {} : { hostUid: hostUser.uid }),
            ...(layered ? { warm: layered.warm } : {}),
          },
        ],
      });
    }
    if (recorder.session.state === 'setup') {
      run.checkpoint = await runBaseline(run);
      await recorder.transition('working');
    }
    return await drive(run);
  } catch (error) {
    // Another run owns the session now: nothing more may be written, not even its failure.
    if (recorder.takenOver) throw recorder.takenOver;
    if (isHandOff(error)) {
      await recorder.record([{ type: 'session.handed_off', state: recorder.session.state }]);
      return recorder.session;
    }
    const code = isDrydockError(error) ? error.code : 'internal_error';
    const message = describeError(error);
    if (!isTerminal(recorder.session.state)) {
      await recorder.transition('failed', {
        reason: message,
        patch: { reason: message },
        events: [{ type: 'session.error', code, message }],
      });
    }
    return recorder.session;
  } finally {
    if (layered) await closeLayered(layered, recorder, run);
    else await sandbox?.destroy().catch(() => {});
    await services?.release().catch(() => {});
  }
}

/**
 * Ends a layered run: a last snapshot (delivery's commit is in the workspace) goes into the checkpoint,
 * and the workspace stays readable at its usual path: a view of that snapshot over a throwaway layer.
 */
async function closeLayered(
  layered: SessionWorkspace,
  recorder: SessionRecorder,
  run: SessionRun | null,
): Promise<void> {
  // Taken over: the other run's checkpoint and workspace stand; this one only goes.
  if (recorder.takenOver) return layered.abandon();
  const last = await layered.close().catch(() => null);
  if (run && last) {
    run.checkpoint = { ...run.checkpoint, workspace: last };
    await recorder.record([], {}, run.checkpoint as unknown as JsonValue).catch(() => {});
  }
}

/** working ⇄ verifying ⇄ reviewing until the change is delivered or the session bows out. */
async function drive(run: SessionRun): Promise<Session> {
  const { recorder } = run;
  for (;;) {
    if (run.signal.aborted) return finishWithout(run, 'cancelled', 'cancelled by the user');
    // The gate and the reviewer passed before a run died delivering: only the delivery is left.
    if (recorder.session.state === 'delivering') return deliver(run);
    stopIfHandedOff(run);
    if (recorder.session.state === 'working') {
      run.checkpoint.agent = await runCoder(run, run.checkpoint.agent);
      const after = decideAfterAgent(run.checkpoint.agent.outcome!);
      if (after.next !== 'delivering') return finishWithout(run, after.next, after.reason);
      await recorder.transition('verifying');
    }
    let step: GateStep;
    if (recorder.session.state === 'verifying') {
      step = await verifyChange(run);
      if (step.next === 'working') {
        await recorder.transition('working', { reason: 'the gate found problems; the coder continues' });
        continue;
      }
      if (step.next === 'bowed_out') return finishWithout(run, 'bowed_out', step.reason);
      await recorder.transition('reviewing');
    }
    if (run.signal.aborted) return finishWithout(run, 'cancelled', 'cancelled by the user');
    step = await reviewChange(run, MAX_REVIEW_ROUNDS);
    if (step.next === 'working') {
      await recorder.transition('working', { reason: 'the reviewer found problems; the coder answers them' });
      continue;
    }
    if (step.next === 'bowed_out') return finishWithout(run, 'bowed_out', step.reason);
    if (run.signal.aborted) return finishWithout(run, 'cancelled', 'cancelled by the user');
    return deliver(run);
  }
}

async function runCoder(run: SessionRun, state: AgentState): Promise<AgentState> {
  const tools = createCodingTools();
  tools.set(respondToFindingTool.name, respondToFindingTool);
  return runAgent({
    coder: run.router.resolve('coder'),
    summarizer: run.router.resolve('summarizer'),
    system: coderSystemPrompt({
      workdir: run.sandbox.workdir,
      repoInstructions: await readRepoInstructions(run.view),
    }),
    tools,
    // The real sandbox: an edit of a file holding a secret keeps its value; the loop redacts what the model sees.
    sandbox: run.sandbox,
    redact: run.redact,
    budget: run.deps.budget,
    state,
    signal: run.signal,
    host: {
      record: async (events, agentState) => {
        run.checkpoint = { ...run.checkpoint, agent: agentState };
        // After every step: a sandbox that dies later is replaced at this point.
        if (run.layered) run.checkpoint.workspace = await run.layered.snapshot();
        await save(run, events);
      },
      saveArtifact: (name, content) => saveArtifact(run, name, content),
      nowMs: () => run.deps.clock.now().getTime(),
      takeMessages: () => takeMessages(run),
      ...(run.observer.onModelWait ? { onModelWait: run.observer.onModelWait } : {}),
    },
  });
}

/**
 * Follow-ups recorded since the coder last looked. The position moves in the in-memory checkpoint
 * only, so it is saved with the step that carries the messages: after a crash both are lost together
 * and the messages are read again, never twice.
 */
async function takeMessages(run: SessionRun): Promise<string[]> {
  const after = run.checkpoint.messagesSeenSeq ?? 0;
  const events = await run.deps.store.listEvents(run.recorder.session.id, after);
  if (events.length === 0) return [];
  run.checkpoint = { ...run.checkpoint, messagesSeenSeq: events.at(-1)!.seq };
  return messageTexts(events).map(followUpPrompt);
}

const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md'];
const MAX_INSTRUCTION_CHARS = 20_000;

/** The repository's instructions for agents, read through the sandbox (a symlink cannot reach the host). */
async function readRepoInstructions(sandbox: Sandbox): Promise<string | undefined> {
  for (const name of INSTRUCTION_FILES) {
    const stat = await sandbox.stat(name);
    if (stat?.type !== 'file') continue;
    const text = (await sandbox.readFile(name)).toString('utf8');
    return text.length > MAX_INSTRUCTION_CHARS
      ? `${text.slice(0, MAX_INSTRUCTION_CHARS)}\n[truncated]`
      : text;
  }
  return undefined;
}
