import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../api-context.ts';
import { basename, firstLine, formatUsageCost } from '../format.ts';
import { pollMs, queryKeys } from '../query-client.ts';
import { navigate, sessionPath } from '../router.ts';
import { SESSION_STATES, type SessionState } from '../types.ts';
import { ErrorBanner } from './error-banner.tsx';
import { Link } from './link.tsx';
import { SessionTimeCells } from './session-times.tsx';
import { StateBadge } from './state-badge.tsx';

/** Every session, newest first, refreshed every few seconds; filterable by state. */
export function SessionList() {
  const api = useApi();
  const [state, setState] = useState<SessionState | ''>('');
  const { data, error, isPending } = useQuery({
    queryKey: queryKeys.sessionList(state),
    queryFn: () => api.listSessions({ state, limit: 200 }),
    refetchInterval: pollMs.sessions,
    // A new filter keeps the old rows up until its own answer comes.
    placeholderData: keepPreviousData,
  });
  const sessions = data?.sessions ?? [];
  const now = Date.now();

  return (
    <section>
      <div className="toolbar">
        <h1>Sessions</h1>
        <span className="muted">{data ? `${sessions.length} shown` : ''}</span>
        <span className="spacer" />
        <label className="inline-field">
          <span>State</span>
          <select name="state" value={state} onChange={(e) => setState(e.target.value as SessionState | '')}>
            <option value="">all</option>
            {SESSION_STATES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBanner error={error} />
      {data && sessions.length === 0 ? (
        <div className="empty">
          {state ? `No ${state.replace('_', ' ')} sessions.` : 'No sessions yet.'}{' '}
          <Link to="/new">Start a task.</Link>
        </div>
      ) : (
        <table className="sessions">
          <thead>
            <tr>
              <th className="col-state">State</th>
              <th className="col-repo">Repository</th>
              <th>Task</th>
              <th className="num">Steps</th>
              <th className="num">Cost</th>
              <th className="num col-started">Started</th>
              <th className="num col-finished">Finished</th>
              <th className="num col-duration">Duration</th>
            </tr>
          </thead>
          <tbody>
            {isPending && (
              <tr>
                <td colSpan={8} className="muted">
                  Loading…
                </td>
              </tr>
            )}
            {sessions.map((s) => (
              <tr key={s.id} data-session-id={s.id} onClick={() => navigate(sessionPath(s.id))}>
                <td>
                  <StateBadge state={s.state} />
                </td>
                <td className="mono" title={s.repo}>
                  {basename(s.repo)}
                </td>
                <td className="task-cell">
                  <Link to={sessionPath(s.id)} title={s.task}>
                    {firstLine(s.task)}
                  </Link>
                </td>
                <td className="num">{s.steps}</td>
                <td className="num">{formatUsageCost(s.usage)}</td>
                <SessionTimeCells session={s} nowMs={now} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
