import { isTerminalState, type Session, type StreamEvent } from './types.ts';

/**
 * When things happened, for people: a clock time alone on the day it is read, with the date on any
 * other day (a session left open overnight, a list of last week's sessions). Pure given `nowMs`; local time.
 */

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** `14:02:11` today; `Dec 3, 14:02:11` another day this year; `Dec 3, 2024, 14:02:11` before. Empty if unreadable. */
export function formatClock(iso: string, nowMs: number, seconds = true): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const now = new Date(nowMs);
  const time = date.toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hour12: false,
  });
  if (sameDay(date, now)) return time;
  const day = date.toLocaleDateString([], {
    month: 'short',
    day: 'numeric',
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
  return `${day}, ${time}`;
}

/** Milliseconds from `fromIso` to `toMs`, never negative (a client clock behind the server's). */
export function elapsedMs(fromIso: string, toMs: number): number {
  const from = Date.parse(fromIso);
  return Number.isFinite(from) ? Math.max(0, toMs - from) : 0;
}

/** A duration that ticks: whole seconds (`42s`, `3m07s`, `2h05m`, `3d04h`), so it does not flicker tenths. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(s / 3600);
  if (h < 48) return `${h}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

export interface SessionTimes {
  startedAt: string;
  /** When it ended; null while it runs. */
  finishedAt: string | null;
  /** Start to end, or to `nowMs` while it runs. */
  durationMs: number;
}

/**
 * A session's start, end and duration. The end is the last move into a final state in `events` when
 * they are given (the log's own time), else `updatedAt`: nothing is recorded on an ended session
 * until a follow-up opens a new turn, so its last update is when it ended. Pure given `nowMs`.
 */
export function sessionTimes(
  session: Pick<Session, 'state' | 'createdAt' | 'updatedAt'>,
  nowMs: number,
  events: readonly StreamEvent[] = [],
): SessionTimes {
  if (!isTerminalState(session.state)) {
    return {
      startedAt: session.createdAt,
      finishedAt: null,
      durationMs: elapsedMs(session.createdAt, nowMs),
    };
  }
  let finishedAt = session.updatedAt;
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index];
    const data = event?.data as { type: string; to?: unknown } | undefined;
    if (event && data?.type === 'state.changed' && typeof data.to === 'string' && isTerminalState(data.to)) {
      finishedAt = event.at;
      break;
    }
  }
  return {
    startedAt: session.createdAt,
    finishedAt,
    durationMs: elapsedMs(session.createdAt, Date.parse(finishedAt)),
  };
}
