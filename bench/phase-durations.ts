import type { SessionEvent } from '../src/core/events.ts';
import type { SessionState } from '../src/core/session-state.ts';

/**
 * Milliseconds a session spent in each state, from its event log: a state lasts from the event
 * that entered it to the next state change (`queued` from `session.created`). A state entered more
 * than once (working after a failed gate) adds up. The final state has no duration. Event times
 * have millisecond resolution.
 */
export function phaseDurations(events: readonly SessionEvent[]): Map<SessionState, number> {
  const entries: Array<{ state: SessionState; atMs: number }> = [];
  for (const event of events) {
    if (event.data.type === 'session.created') entries.push({ state: 'queued', atMs: Date.parse(event.at) });
    if (event.data.type === 'state.changed')
      entries.push({ state: event.data.to, atMs: Date.parse(event.at) });
  }
  const durations = new Map<SessionState, number>();
  for (let i = 0; i + 1 < entries.length; i++) {
    const { state, atMs } = entries[i]!;
    durations.set(state, (durations.get(state) ?? 0) + entries[i + 1]!.atMs - atMs);
  }
  return durations;
}
