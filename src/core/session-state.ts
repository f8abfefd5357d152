/** The states of a session (see DESIGN.md, "Session lifecycle"). */
export const SESSION_STATES = [
  'queued',
  'provisioning',
  'setup',
  'working',
  'verifying',
  'reviewing',
  'delivering',
  'delivered',
  'bowed_out',
  'failed',
  'cancelled',
] as const;

export type SessionState = (typeof SESSION_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<SessionState> = new Set([
  'delivered',
  'bowed_out',
  'failed',
  'cancelled',
]);

export function isTerminal(state: SessionState): boolean {
  return TERMINAL_STATES.has(state);
}

const ALLOWED: Record<SessionState, readonly SessionState[]> = {
  queued: ['provisioning'],
  provisioning: ['setup', 'working'],
  setup: ['working'],
  working: ['verifying', 'delivering'],
  verifying: ['working', 'reviewing', 'delivering'],
  reviewing: ['working', 'verifying', 'delivering'],
  delivering: ['delivered'],
  delivered: ['queued'],
  bowed_out: ['queued'],
  failed: [],
  cancelled: [],
};

/**
 * Whether a session may move from `from` to `to`. Any live state may end in bowed_out, failed or
 * cancelled; a delivered or bowed-out session may open a new turn (a follow-up): it is queued again, and
 * a worker takes it back to work on the same workspace and branch.
 */
export function canTransition(from: SessionState, to: SessionState): boolean {
  if (!isTerminal(from) && (to === 'bowed_out' || to === 'failed' || to === 'cancelled')) return true;
  return ALLOWED[from].includes(to);
}
