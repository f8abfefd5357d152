import { formatClock, formatElapsed, sessionTimes } from '../times.ts';
import type { Session, StreamEvent } from '../types.ts';
import { useNow } from '../use-now.ts';
import './live.css';

/** Started, finished and how long, as facts of the session header; the duration ticks while it runs. */
export function SessionTimesFacts({
  session,
  events,
}: {
  session: Pick<Session, 'state' | 'createdAt' | 'updatedAt'>;
  events: readonly StreamEvent[];
}) {
  const times = sessionTimes(session, useNow(true), events);
  const now = Date.now();
  return (
    <>
      <div>
        <dt>started</dt>
        <dd data-testid="started" title={new Date(times.startedAt).toLocaleString()}>
          {formatClock(times.startedAt, now, false)}
        </dd>
      </div>
      {times.finishedAt !== null && (
        <div>
          <dt>finished</dt>
          <dd data-testid="finished" title={new Date(times.finishedAt).toLocaleString()}>
            {formatClock(times.finishedAt, now, false)}
          </dd>
        </div>
      )}
      <div>
        <dt>{times.finishedAt === null ? 'running for' : 'took'}</dt>
        <dd className="num" data-testid="duration">
          {formatElapsed(times.durationMs)}
        </dd>
      </div>
    </>
  );
}

/** The list's Started, Finished and Duration cells; a running session's duration counts from `nowMs`. */
export function SessionTimeCells({
  session,
  nowMs,
}: {
  session: Pick<Session, 'state' | 'createdAt' | 'updatedAt'>;
  nowMs: number;
}) {
  const times = sessionTimes(session, nowMs);
  return (
    <>
      <td className="num col-started" data-label="Started" title={new Date(times.startedAt).toLocaleString()}>
        {formatClock(times.startedAt, nowMs, false)}
      </td>
      <td
        className="num col-finished"
        data-label="Finished"
        title={times.finishedAt ? new Date(times.finishedAt).toLocaleString() : ''}
      >
        {times.finishedAt ? (
          formatClock(times.finishedAt, nowMs, false)
        ) : (
          <span className="muted">running</span>
        )}
      </td>
      <td className="num col-duration" data-label="Duration" data-testid="list-duration">
        {formatElapsed(times.durationMs)}
      </td>
    </>
  );
}
