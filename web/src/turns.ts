import { isTerminalState, type StreamEvent } from './types.ts';

/** One turn of a session: the task, or a follow-up that reopened it, and how it ended. */
export interface Turn {
  /** From 1. */
  number: number;
  /** The follow-ups that opened it (none for the first turn). */
  messages: string[];
  /** The final state it reached; null while it runs. */
  state: string | null;
  /** What the coder said it did when it finished, the last time this turn. */
  summary: string | null;
  /** Why it ended as it did, when it did not deliver. */
  reason: string | null;
  startedAt: string;
  endedAt: string | null;
}

type Fields = Record<string, unknown>;
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * The session's story, one entry per turn: a follow-up to an ended session moves it from its final state
 * back to `queued`, and what the coder finishes with after that is that turn's summary, not the session's.
 * Messages sent while a turn runs are part of it; those sent after it ended open the next. Pure.
 */
export function buildTurns(events: readonly StreamEvent[]): Turn[] {
  const turns: Turn[] = [];
  let waiting: string[] = [];
  for (const event of events) {
    const d = event.data as Fields;
    let turn = turns.at(-1);
    if (turn === undefined) {
      turn = {
        number: 1,
        messages: [],
        state: null,
        summary: null,
        reason: null,
        startedAt: event.at,
        endedAt: null,
      };
      turns.push(turn);
    }
    if (d.type === 'message.received') {
      const text = str(d.text);
      if (text !== null && turn.state !== null) waiting.push(text);
    } else if (d.type === 'state.changed') {
      const from = str(d.from) ?? '';
      const to = str(d.to) ?? '';
      if (isTerminalState(from) && !isTerminalState(to)) {
        turns.push({
          number: turn.number + 1,
          messages: waiting,
          state: null,
          summary: null,
          reason: null,
          startedAt: event.at,
          endedAt: null,
        });
        waiting = [];
      } else if (isTerminalState(to)) {
        turn.state = to;
        turn.endedAt = event.at;
        turn.reason = to === 'delivered' ? null : str(d.reason);
      }
    } else if (d.type === 'agent.stopped' && (d.role ?? 'coder') === 'coder' && d.outcome === 'finished') {
      turn.summary = str(d.detail);
    }
  }
  return turns;
}
