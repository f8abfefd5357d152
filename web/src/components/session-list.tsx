import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useApi } from '../api-context.ts';
import { basename, firstLine, formatUsageCost, plural } from '../format.ts';
import { pollMs, queryKeys } from '../query-client.ts';
import { navigate, sessionPath } from '../router.ts';
import { SESSION_STATES, type SessionListItem, type SessionState } from '../types.ts';
import { ErrorBanner } from './error-banner.tsx';
import { InlineCode } from './inline-code.tsx';
import { Link } from './link.tsx';
import { SessionTimeCells } from './session-times.tsx';
import { StateBadge } from './state-badge.tsx';
import './tree.css';

/** How long the search waits after the last key before it asks the server. */
const SEARCH_DELAY_MS = 250;

/**
 * Every session, newest first, refreshed every few seconds; narrowed by state, repository and words of
 * the task (the server filters: the list is capped, so a client-side filter would miss older sessions).
 */
export function SessionList() {
  const api = useApi();
  const [state, setState] = useState<SessionState | ''>('');
  const [repo, setRepo] = useState('');
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setQ(typed.trim()), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [typed]);
  const repos = useQuery({
    queryKey: queryKeys.repos,
    queryFn: () => api.listRepos(),
    refetchInterval: pollMs.repos,
  }).data?.repos;
  const { data, error, isPending } = useQuery({
    queryKey: queryKeys.sessionList(state, repo, q),
    queryFn: () => api.listSessions({ state, repo, q, limit: 200 }),
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
        <label className="inline-field search-field">
          <span>Search</span>
          <input
            type="search"
            name="q"
            placeholder="task, id or branch"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </label>
        <label className="inline-field">
          <span>Repository</span>
          <select name="repo" value={repo} onChange={(e) => setRepo(e.target.value)}>
            <option value="">all</option>
            {repos?.map((each) => (
              <option key={each.id} value={each.repo}>
                {basename(each.repo)}
              </option>
            ))}
          </select>
        </label>
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
          {emptyText(state, repo !== '' || q !== '')} <Link to="/new">Start a task.</Link>
        </div>
      ) : (
        <table className="sessions stack-on-phone">
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
                <td data-label="State">
                  <StateBadge state={s.state} />
                </td>
                <td className="mono" data-label="Repository" title={s.repo}>
                  {basename(s.repo)}
                </td>
                <td className="task-cell" data-label="Task">
                  <Link to={sessionPath(s.id)} title={s.task}>
                    <InlineCode text={firstLine(s.task)} />
                  </Link>
                  <ChildrenBadge session={s} />
                </td>
                <td className="num" data-label="Steps">
                  {s.steps}
                </td>
                <td className="num" data-label="Cost">
                  {formatUsageCost(s.usage)}
                </td>
                <SessionTimeCells session={s} nowMs={now} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * A parent's count of attempts (as planned, before they all started) or of child sessions: the list shows
 * top-level sessions only, and they are on the parent's page.
 */
function ChildrenBadge({ session }: { session: SessionListItem }) {
  if (session.kind === 'attempts') {
    const count = Math.max(session.children, session.attemptModels?.length ?? 0);
    return (
      <span className="badge count-badge" data-testid="children-badge" title="best of N: see its page">
        {plural(count, 'attempt')}
      </span>
    );
  }
  if (session.kind === 'manager') {
    return (
      <span className="badge count-badge" data-testid="children-badge" title="a manager: see its page">
        manager · {plural(session.children, 'child', 'children')}
      </span>
    );
  }
  return null;
}

/** What an empty list says: nothing yet, nothing in this state, or nothing matching the search. */
function emptyText(state: SessionState | '', searched: boolean): string {
  if (searched) return 'No session matches these filters.';
  return state ? `No ${state.replace('_', ' ')} sessions.` : 'No sessions yet.';
}
