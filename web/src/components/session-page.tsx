import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi, useMe } from '../api-context.ts';
import { latestPlan } from '../latest-plan.ts';
import { usePageTitle } from '../page-title.ts';
import { queryKeys } from '../query-client.ts';
import { navigate, type SessionTab, sessionPath } from '../router.ts';
import { SessionIdContext, SessionLiveContext } from '../session-live.ts';
import { canSteer } from '../steering.ts';
import { buildTimeline } from '../timeline.ts';
import { buildTurns } from '../turns.ts';
import { isTerminalState, type StreamEvent } from '../types.ts';
import { useSessionEvents } from '../use-session-events.ts';
import { ArtifactView, DOCUMENTS } from './artifact-view.tsx';
import { DiffView } from './diff-view.tsx';
import { ErrorBanner } from './error-banner.tsx';
import { FollowUpBox } from './follow-up-box.tsx';
import { OutcomeActions } from './outcome-actions.tsx';
import { SessionHeader } from './session-header.tsx';
import { CHILD_EVENTS, hasChildren, ParentLink, SessionTree } from './session-tree.tsx';
import { StatusBar } from './status-bar.tsx';
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
  const childrenTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const reload = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: queryKeys.session(id) }),
    [queryClient, id],
  );
  useEffect(
    () => () => {
      clearTimeout(refreshTimer.current);
      clearTimeout(childrenTimer.current);
    },
    [],
  );

  // The header follows the event stream rather than a timer: events come in bursts, so reload once after one.
  // A parent's children follow its child.* events the same way (nested trees too, all under `trees`).
  const onEvent = useCallback(
    (event: StreamEvent) => {
      if (CHILD_EVENTS.has(event.data.type)) {
        clearTimeout(childrenTimer.current);
        childrenTimer.current = setTimeout(
          () => void queryClient.invalidateQueries({ queryKey: queryKeys.trees }),
          250,
        );
      }
      if (!REFRESH_ON.has(event.data.type)) return;
      clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(reload, 250);
    },
    [reload, queryClient],
  );

  const stream = useSessionEvents(api, id, onEvent);
  const items = useMemo(() => buildTimeline(stream.events), [stream.events]);
  const plan = useMemo(() => latestPlan(stream.events), [stream.events]);
  const turns = useMemo(() => buildTurns(stream.events), [stream.events]);
  usePageTitle(session ? session.task : id);
  const lastSeq = stream.events.at(-1)?.seq ?? 0;
  // A sent follow-up stays pending until its event arrives on the stream.
  const shownPending = pending.filter((p) => p.seq === null || p.seq > lastSeq);

  if (session === undefined) {
    return loadError ? <ErrorBanner error={loadError} /> : <div className="muted">Loading session…</div>;
  }

  const live = !isTerminalState(session.state);
  const steerable = canSteer(me, session);
  const hasReport = session.artifacts.some((a) => DOCUMENTS.includes(a.name));
  const reportLabel = session.artifacts.some((a) => a.name === 'pull-request.md')
    ? 'Pull request'
    : session.artifacts.some((a) => a.name === 'review.md')
      ? 'Review'
      : 'Report';
  const tabs: Array<[SessionTab, string]> = [
    ['timeline', `Timeline${items.length ? ` · ${items.length}` : ''}`],
    ['diff', 'Diff'],
    ['report', hasReport ? reportLabel : 'Report'],
  ];

  return (
    <section className="session">
      <SessionHeader session={session} events={stream.events} turns={turns} />
      <ParentLink session={session} />
      {live && <StatusBar session={session} since={turns.at(-1)?.startedAt ?? session.createdAt} />}
      <OutcomeActions session={session} events={stream.events} />
      {hasChildren(session) && <SessionTree session={session} />}
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
            onClick={() => navigate(sessionPath(id, key))}
          >
            {label}
          </button>
        ))}
        <span className="spacer" />
        {/* An ended session's stream stays open (a follow-up reopens it), but nothing is live there. */}
        <span className={`stream-status ${live ? stream.status : 'ended'}`} title="Event stream">
          {live ? stream.status : 'ended'}
        </span>
      </div>
      {stream.error && <ErrorBanner error={stream.error} />}
      {tab === 'timeline' && (
        <SessionLiveContext.Provider value={live}>
          <SessionIdContext.Provider value={id}>
            <TimelineView items={items} pending={shownPending} live={live} />
          </SessionIdContext.Provider>
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
        </SessionLiveContext.Provider>
      )}
      {tab === 'diff' && (
        <DiffView sessionId={id} version={`${session.state}:${session.headCommit ?? ''}:${lastSeq}`} />
      )}
      {tab === 'report' && <ArtifactView sessionId={id} artifacts={session.artifacts} />}
    </section>
  );
}
