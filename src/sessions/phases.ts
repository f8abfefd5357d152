import type { EventData } from '../core/events.ts';
import type { SessionPatch } from '../core/ports/store.ts';
import { CANCELLED_BY_USER, type Outcome } from '../core/session.ts';
import type { SessionState } from '../core/session-state.ts';

/**
 * A session's run is a table of phases, one per live state (run-session.ts): each phase is a module
 * with one entry that does its work, saves its progress in the checkpoint and returns a PhaseResult.
 * Where the session goes next is decided here, by nextPhase, from the phase, its result and whether
 * the user cancelled or the worker is stopping. Only the runner moves states.
 */
export type Phase = Extract<
  SessionState,
  'provisioning' | 'setup' | 'working' | 'verifying' | 'reviewing' | 'delivering'
>;

/** The phases after provisioning, which runs first on every run (a run needs a sandbox). */
export type WorkPhase = Exclude<Phase, 'provisioning'>;

/** The final states a run can end a session in. */
export type Ending = Extract<SessionState, 'delivered' | 'bowed_out' | 'failed' | 'cancelled'>;

/** What a phase says when it returns. */
export type PhaseResult =
  /**
   * The phase did its work: on to the one after it (provisioning → setup → working → verifying →
   * reviewing → delivering → delivered), with the events and session fields that go with the move.
   */
  | { kind: 'done'; events?: EventData[]; patch?: SessionPatch }
  /**
   * The change is verified already, elsewhere: straight to delivering (an `attempts` session took in
   * the attempt it chose, which passed the gate and the review on the same base commit).
   */
  | { kind: 'deliver'; events?: EventData[]; patch?: SessionPatch }
  /** provisioning of a session a run left mid-way (a crash, a hand-off): it goes on where it stood. */
  | { kind: 'resume'; at: WorkPhase }
  /** provisioning of a new turn (a follow-up): straight back to work, on the earlier turns' baseline. */
  | { kind: 'follow_up' }
  /** Back to the coder: the gate or the reviewer found problems, or findings are unanswered. */
  | { kind: 'rework'; reason: string }
  /** The worker is stopping and the phase stopped after a saved step: another worker resumes there. */
  | { kind: 'paused' }
  /** The session ends here, and why. */
  | { kind: 'end'; state: Ending; reason: string; events?: EventData[]; patch?: SessionPatch };

/** What happened outside the phase while it ran. */
export interface Interrupts {
  /** The user cancelled the session. */
  cancelled: boolean;
  /** The worker is stopping: the session stays live for another worker (not a cancel). */
  handingOff: boolean;
}

/** A move to a phase: the session goes to its state (unless it is there) with these events and fields. */
export interface Move {
  phase: WorkPhase;
  reason?: string;
  events?: EventData[];
  patch?: SessionPatch;
}

export type Decision =
  /** Move to the phase and run it. */
  | ({ kind: 'enter' } & Move)
  /** End the session in this state. */
  | { kind: 'end'; state: Ending; reason: string | null; events?: EventData[]; patch?: SessionPatch }
  /**
   * Stop, leaving the session live for another worker: after the move the phase's result called for,
   * if any, so the next run starts where this one got to.
   */
  | { kind: 'hand_off'; move?: Move };

const AFTER: Record<Phase, WorkPhase | 'delivered'> = {
  provisioning: 'setup',
  setup: 'working',
  working: 'verifying',
  verifying: 'reviewing',
  reviewing: 'delivering',
  delivering: 'delivered',
};

/**
 * Where a session goes after `phase` returned `result`. An ending stands (a bow-out, or a delivery
 * that already handed the branch over, is not turned into a cancel); otherwise a cancel ends the session; otherwise the result moves it on,
 * and a stopping worker hands it off after that move instead of running the next phase. Pure.
 */
export function nextPhase(phase: Phase, result: PhaseResult, interrupts: Interrupts): Decision {
  if (result.kind === 'end') {
    const { kind: _, ...ending } = result;
    return { kind: 'end', ...ending };
  }
  if (result.kind === 'done' && AFTER[phase] === 'delivered') {
    const { kind: _, ...delivered } = result;
    return { kind: 'end', state: 'delivered', reason: null, ...delivered };
  }
  if (interrupts.cancelled) return { kind: 'end', state: 'cancelled', reason: CANCELLED_BY_USER };
  if (result.kind === 'paused') return { kind: 'hand_off' };
  const move = moveAfter(phase, result);
  return interrupts.handingOff ? { kind: 'hand_off', move } : { kind: 'enter', ...move };
}

function moveAfter(phase: Phase, result: Exclude<PhaseResult, { kind: 'end' | 'paused' }>): Move {
  switch (result.kind) {
    case 'resume':
      return { phase: result.at };
    case 'follow_up':
      return { phase: 'working', reason: 'a follow-up opens a new turn' };
    case 'rework':
      return { phase: 'working', reason: result.reason };
    case 'deliver': {
      const { kind: _, ...moved } = result;
      return { phase: 'delivering', reason: 'the change was verified in the attempt it came from', ...moved };
    }
    case 'done': {
      const { kind: _, ...moved } = result;
      const after = AFTER[phase];
      if (after === 'delivered') throw new Error('a delivery ends the session');
      return { phase: after, ...moved };
    }
  }
}

/** Whether a live state is one a run resumes in (every live state but `queued` and `provisioning`). */
export function isWorkPhase(state: SessionState): state is WorkPhase {
  return state in AFTER && state !== 'provisioning';
}

/** What the working phase returns when the coder's loop stopped with `outcome`. Pure. */
export function afterAgent(outcome: Outcome): PhaseResult {
  switch (outcome.kind) {
    case 'finished':
      return { kind: 'done' };
    case 'gave_up':
      return { kind: 'end', state: 'bowed_out', reason: `the agent gave up: ${outcome.reason}` };
    case 'budget_exhausted':
      return { kind: 'end', state: 'bowed_out', reason: `budget exhausted: ${outcome.reason}` };
    case 'loop_detected':
      return { kind: 'end', state: 'bowed_out', reason: `stuck in a loop: ${outcome.reason}` };
    case 'model_error':
      // The provider failed after every retry: drydock bows out with its message and what was tried, as
      // for any reason it cannot stand behind a change; `failed` is for drydock's own faults.
      return { kind: 'end', state: 'bowed_out', reason: `the model failed: ${outcome.reason}` };
    case 'refused':
      return { kind: 'end', state: 'bowed_out', reason: `the model refused: ${outcome.reason}` };
    case 'cancelled':
      return { kind: 'end', state: 'cancelled', reason: outcome.reason };
  }
}
