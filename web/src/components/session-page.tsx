import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi, useMe } from '../api-context.ts';
import { queryKeys } from '../query-client.ts';
import { navigate, type SessionTab, sessionPath } from '../router.ts';
import { canSteer } from '../steering.ts';
import { buildTimeline, latestPlan } from '../timeline.ts';
import type { StreamEvent } from '../types.ts';
import { useSessionEvents } from '../use-session-events.ts';
import { ArtifactView } from './artifact-view.tsx';
import { DiffView } from './diff-view.tsx';
import { ErrorBanner } from './error-banner.tsx';
import { FollowUpBox } from './follow-up-box.tsx';
import { OutcomeActions } from './outcome-actions.tsx';
import { SessionHeader } from './session-header.tsx';
import { TimelineView } from './timeline-view.tsx';
import { PlanPanel } from './todo-list.tsx';

/** Events after which the session's header (state, usage, branch, artifacts) is worth reloading. */
const REFRESH_ON = new Set([
  'state.changed',
  'model.response',
  'agent.stopped',
  'delivery.committed',
  'delivery.branch',
  'workspace.ready',
  'session.error',
]);

export interface PendingMessage {
  seq: number | null;
  text: string;
}

/** One session: its header, then the live timeline, the diff, or the PR description / report. */
export function SessionPage({ id, tab }: { id: string; tab: SessionTab }) {
  const api = useApi();
  const me = useMe();
  const queryClient = useQueryClient();
  const { data: session, error: loadError } = useQuery({
    queryKey: queryKeys.session(id),
    queryFn: () => api.getSession(id),
  });
  const [pending, setPending] = useState<PendingMessage[]>([]);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const reload = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: queryKeys.session(id) }),
    [queryClient, id],
  );
  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  // The header follows the event stream rather than a timer: events come in bursts, so reload once after one.
  const onEvent = useCallback(
    (event: StreamEvent) => {
      if (!REFRESH_ON.has(event.data.type)) return;
      clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(reload, 250);
    },
    [reload],
  );

  const stream = useSessionEvents(api, id, onEvent);
  const items = useMemo(() => buildTimeline(stream.events), [stream.events]);
  const plan = useMemo(() => latestPlan(stream.events), [stream.events]);
  const lastSeq = stream.events.at(-1)?.seq ?? 0;
  // A sent follow-up stays pending until its event arrives on the stream.
  const shownPending = pending.filter((p) => p.seq === null || p.seq > lastSeq);

  if (session === undefined) {
    return loadError ? <ErrorBanner error={loadError} /> : <div className="muted">Loading session…</div>;
  }

  const steerable = canSteer(me, session);
  const hasReport = session.artifacts.some((a) => a.name === 'pull-request.md' || a.name === 'report.md');
  const reportLabel = session.artifacts.some((a) => a.name === 'pull-request.md') ? 'Pull request' : 'Report';
  const tabs: Array<[SessionTab, string]> = [
    ['timeline', `Timeline${items.length ? ` · ${items.length}` : ''}`],
    ['diff', 'Diff'],
    ['report', hasReport ? reportLabel : 'Report'],
  ];

  return (
    <section className="session">
      <SessionHeader session={session} />
      <OutcomeActions session={session} events={stream.events} />
      {plan && plan.length > 0 && <PlanPanel items={plan} />}
      <ErrorBanner error={loadError} />
      <div className="tabs" aria-label="Session views" role="tablist">
        {tabs.map(([key, label]) => (
          <button
            key={key}
            type="button"
            role="tab"
            className={key === tab ? 'tab active' : 'tab'}
            data-tab={key}
            aria-selected={key === tab}
            onClick={() => navigate(sessionPath(id, key), true)}
          >
            {label}
          </button>
        ))}
        <span className="spacer" />
        <span className={`stream-status ${stream.status}`} title="Event stream">
          {stream.status === 'live' ? 'live' : stream.status}
        </span>
      </div>
      {stream.error && <ErrorBanner error={stream.error} />}
      {tab === 'timeline' && (
        <>
          <TimelineView items={items} pending={shownPending} />
          {steerable ? (
            <FollowUpBox
              sessionId={id}
              state={session.state}
              branch={session.branch}
              onSent={(message) => setPending((p) => [...p, message])}
            />
          ) : (
            <p className="muted follow-up-note" data-testid="follow-up-note">
              Only whoever started this session, or an admin, can send it follow-ups or cancel it.
            </p>
          )}
        </>
      )}
      {tab === 'diff' && (
        <DiffView sessionId={id} version={`${session.state}:${session.headCommit ?? ''}:${lastSeq}`} />
      )}
      {tab === 'report' && <ArtifactView sessionId={id} artifacts={session.artifacts} />}
    </section>
  );
}
