import type { SessionState } from '../core/session-state.ts';

export const EXIT = { ok: 0, internal: 1, badInput: 2, bowedOut: 3, cancelled: 130 } as const;

/** The exit code of `drydock run` for the state a session ended in. Pure. */
export function exitCodeFor(state: SessionState): number {
  if (state === 'delivered') return EXIT.ok;
  if (state === 'bowed_out') return EXIT.bowedOut;
  if (state === 'cancelled') return EXIT.cancelled;
  return EXIT.internal;
}
