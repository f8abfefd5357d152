import { describeError, isDrydockError, NotFoundError } from '../core/errors.ts';
import type { Session } from '../core/session.ts';
import { isTerminal } from '../core/session-state.ts';
import { ChildRuns, DEFAULT_CHILD_CONCURRENCY } from './child-runs.ts';
import { reopenIfUnread } from './follow-ups.ts';
import { workAsManager } from './manager/manager-work.ts';
import { deliver } from './phase-deliver.ts';
import { type ProvisionedRun, provision } from './phase-provision.ts';
import { review } from './phase-review.ts';
import { setUp } from './phase-setup.ts';
import { verify } from './phase-verify.ts';
import { work } from './phase-work.ts';
import { type Move, nextPhase, type Phase, type PhaseResult, type WorkPhase } from './phases.ts';
import { REVIEW_PHASES } from './review-run/review-phases.ts';
import type { RunObserver, SessionDeps } from './session-deps.ts';
import { endSession } from './session-ending.ts';
import { failSession } from './session-failure.ts';
import { SessionRecorder } from './session-recorder.ts';
import type { SessionRun } from './session-run.ts';

/**
 * The phases after provisioning, one module each, by the state the session is in while it runs.
 * Provisioning runs first on every run (phase-provision.ts): a run needs a sandbox wherever it resumes.
 */
const PHASES: Record<WorkPhase, (run: SessionRun) => Promise<PhaseResult>> = {
  setup: setUp,
  // A manager works through children (manager/manager-work.ts); the phases after are everyone's.
  working: (run) => (run.recorder.session.kind === 'manager' ? workAsManager(run) : work(run)),
  verifying: verify,
  reviewing: review,
  delivering: deliver,
};

export interface RunOptions extends RunObserver {
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
}

/**
 * Drives one session through its lifecycle (DESIGN.md, "Session lifecycle"): provisioning, then from
 * the state the session is in, phase after phase as nextPhase decides, until it ends (delivered,
 * bowed out, failed, cancelled) or the worker hands it off. Resumes from the stored checkpoint; a
 * queued session that has one is a new turn (a follow-up). Returns the session as it ended; failures
 * inside are recorded on the session (state `failed`) rather than thrown. An ended session that
 * received a follow-up its agent never read is queued again.
 */
export async function runSession(
  deps: SessionDeps,
  sessionId: string,
  options: RunOptions = {},
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
  options: RunOptions,
): Promise<Session> {
  const signal = options.signal ?? new AbortController().signal;
  const children = new ChildRuns({
    runSession,
    deps,
    signal,
    ...(options.handOff ? { handOff: options.handOff } : {}),
    ...(options.owner === undefined ? {} : { owner: options.owner }),
    observer: options,
    concurrency: deps.childConcurrency ?? DEFAULT_CHILD_CONCURRENCY,
  });
  let provisioned: ProvisionedRun | null = null;
  try {
    const { baseCommit } = recorder.session;
    if (baseCommit === null) {
      return await failSession(recorder, {
        code: 'no_base_commit',
        reason: 'the session has no base commit, so there is nothing to start from',
      });
    }
    if (recorder.session.state === 'queued') await recorder.transition('provisioning');
    provisioned = await provision(deps, recorder, {
      ...options,
      baseCommit,
      signal,
      ...(options.handOff ? { handOff: options.handOff } : {}),
      children,
    });
    const { run } = provisioned;
    // A review session runs the reviewer on an existing change instead of a coder (docs/review.md).
    const phases = recorder.session.kind === 'review' ? REVIEW_PHASES : PHASES;
    let phase: Phase = 'provisioning';
    let result = provisioned.result;
    for (;;) {
      const decision = nextPhase(phase, result, {
        cancelled: signal.aborted,
        handingOff: options.handOff?.aborted ?? false,
      });
      if (decision.kind === 'end') return await endSession(run, decision);
      if (decision.kind === 'hand_off') {
        if (decision.move) await enter(run, decision.move);
        await recorder.record([{ type: 'session.handed_off', state: recorder.session.state }]);
        return recorder.session;
      }
      await enter(run, decision);
      phase = decision.phase;
      result = await phases[decision.phase](run);
    }
  } catch (error) {
    // Another run owns the session now: nothing more may be written, not even its failure.
    if (recorder.takenOver) throw recorder.takenOver;
    return await failSession(recorder, {
      code: isDrydockError(error) ? error.code : 'internal_error',
      reason: describeError(error),
    });
  } finally {
    // No child outlives its parent: when the parent ended, its live children end cancelled; when it
    // was handed off, they stopped with it (the same hand-off signal) and resume with it.
    if (isTerminal(recorder.session.state)) {
      await children
        .endAll(
          recorder.session.id,
          `its parent session ${recorder.session.state === 'cancelled' ? 'was cancelled' : 'ended'}`,
        )
        .catch(() => {});
    }
    await children.settle();
    await provisioned?.release();
  }
}

/** Moves the session to the phase's state (unless it is there), with the checkpoint as it is now. */
async function enter(run: SessionRun, move: Move): Promise<void> {
  if (move.phase === run.recorder.session.state) return;
  await run.recorder.transition(move.phase, {
    ...(move.reason ? { reason: move.reason } : {}),
    ...(move.events ? { events: move.events } : {}),
    ...(move.patch ? { patch: move.patch } : {}),
    checkpoint: run.checkpoint,
  });
}
