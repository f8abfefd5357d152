import type { EventBus } from '../core/ports/event-bus.ts';
import type { JsonValue, Store } from '../core/ports/store.ts';
import { TRACKER_KINDS, type Tracker, type TrackerKind } from '../core/ports/tracker.ts';
import type { Session } from '../core/session.ts';
import { isTerminal } from '../core/session-state.ts';
import { findForgeLink } from './forge-link.ts';
import { createSessionQueue, createSessionSubscriptions } from './session-queue.ts';
import { findTrackerLink, type TrackerLinkData } from './tracker-link.ts';
import { tellIssue } from './tracker-say.ts';

export interface TrackerNotifierDeps {
  store: Store;
  bus: EventBus;
  /**
   * The tracker in force for a kind, or null: asked at each step, so a connection set through the API
   * applies to sessions already running.
   */
  trackers: (kind: TrackerKind) => Promise<Tracker | null>;
  publicUrl: string;
  onError?: (error: unknown, sessionId: string) => void;
}

export interface TrackerNotifier {
  /** Follows a tracker-started session: moves its issue and comments as it advances. Idempotent. */
  watch(sessionId: string): void;
  /** The publisher opened or updated the session's pull request: comment its link, move the issue. */
  published(sessionId: string): void;
  /** Follows every tracker session still running, and reports endings missed while the server was down. */
  start(): Promise<void>;
  /** Resolves when the posts in flight are done (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

/** The comment that reports how a session ended, or null (a forge delivery waits for its pull request). Pure. */
export function trackerEndingNote(
  session: Pick<Session, 'state' | 'reason' | 'branch' | 'headCommit'>,
  url: string,
  goesToForge: boolean,
): string | null {
  switch (session.state) {
    case 'delivered':
      if (goesToForge) return null;
      return `drydock delivered branch ${session.branch} (commit ${session.headCommit?.slice(0, 12)}): ${url}`;
    case 'bowed_out':
      return `drydock bowed out: ${session.reason ?? 'see the report'}\n${url}`;
    case 'failed':
      return `drydock failed: ${session.reason ?? 'see the session'}\n${url}`;
    case 'cancelled':
      return `The drydock session was cancelled: ${url}`;
    default:
      return null;
  }
}

/**
 * Reports a tracker-started session on its issue: moves it to the mapping's `started` state when the agent
 * starts working, and on the way out comments the pull request (once the publisher opened it) or the branch
 * and moves it to `delivered`, or comments why drydock bowed out or failed. What was done is recorded in the
 * issue's link before the next step, so each comment and move happens once, also across restarts. Driven by
 * the event bus; failures go to `onError`, never to the bus.
 */
export function createTrackerNotifier(deps: TrackerNotifierDeps): TrackerNotifier {
  const subscriptions = createSessionSubscriptions(deps.bus);
  const queue = createSessionQueue(deps.onError);
  const url = (sessionId: string) => `${deps.publicUrl.replace(/\/+$/, '')}/sessions/${sessionId}`;

  const enqueue = (sessionId: string, work: () => Promise<void>): void => {
    void queue.enqueue(sessionId, work);
  };

  /** Runs `act` once per `step` for the session's issue, recording it in the link. */
  async function once(
    sessionId: string,
    step: (data: TrackerLinkData, session: Session, goesToForge: boolean) => string | null,
    act: (tracker: Tracker, data: TrackerLinkData, session: Session) => Promise<void>,
  ): Promise<void> {
    const session = await deps.store.getSession(sessionId);
    if (!session) return;
    const links = await deps.store.listLinks({ sessionId });
    const link = findTrackerLink(links);
    if (!link) return;
    const tracker = await deps.trackers(link.data.tracker);
    if (!tracker) return;
    const key = step(link.data, session, findForgeLink(links) !== null);
    if (key === null || link.data.done.includes(key)) return;
    await act(tracker, link.data, session);
    const data: TrackerLinkData = { ...link.data, done: [...link.data.done, key] };
    await deps.store.linkSession(link.key, sessionId, data as unknown as JsonValue);
  }

  const move = async (tracker: Tracker, data: TrackerLinkData, state: string) => {
    if (state === '') return;
    const moved = await tracker.moveTo(data.issueId, state);
    if (!moved) {
      await tellIssue(
        tracker,
        data,
        'thought',
        `drydock could not move ${data.issueKey} to "${state}": its workflow has no such state (or no transition to it). Fix the state names in drydock's tracker settings.`,
      );
    }
  };

  const started = (sessionId: string) =>
    once(
      sessionId,
      () => 'moved:started',
      (tracker, data) => move(tracker, data, data.states.started),
    );

  const ended = (sessionId: string) =>
    once(
      sessionId,
      (_data, session, goesToForge) => {
        if (!isTerminal(session.state)) return null;
        if (trackerEndingNote(session, url(sessionId), goesToForge) === null) return null;
        return `ended:${session.state}@${session.updatedAt}`;
      },
      async (tracker, data, session) => {
        const links = await deps.store.listLinks({ sessionId });
        const note = trackerEndingNote(session, url(sessionId), findForgeLink(links) !== null);
        if (note !== null)
          await tellIssue(tracker, data, session.state === 'delivered' ? 'response' : 'error', note);
        if (session.state === 'delivered') await move(tracker, data, data.states.delivered);
      },
    );

  const published = async (sessionId: string) => {
    const forge = findForgeLink(await deps.store.listLinks({ sessionId }));
    const commit = forge?.data.publishedCommit;
    const pullUrl = forge?.data.pullUrl;
    if (!pullUrl || !commit) return;
    await once(
      sessionId,
      () => `published:${commit}`,
      async (tracker, data) => {
        await tracker.comment(
          data.issueId,
          `drydock's pull request: ${pullUrl} (commit ${commit.slice(0, 12)})\n${url(sessionId)}`,
        );
        await move(tracker, data, data.states.delivered);
      },
    );
  };

  return {
    watch(sessionId) {
      subscriptions.watch(sessionId, (event) => {
        if (event.data.type !== 'state.changed') return;
        const { to } = event.data;
        if (to === 'working') enqueue(sessionId, () => started(sessionId));
        else if (isTerminal(to)) enqueue(sessionId, () => ended(sessionId));
      });
    },
    published(sessionId) {
      enqueue(sessionId, () => published(sessionId));
    },
    async start() {
      for (const kind of TRACKER_KINDS) {
        for (const link of await deps.store.listLinks({ prefix: `${kind}:` })) {
          const session = await deps.store.getSession(link.sessionId);
          if (!session || findTrackerLink([link]) === null) continue;
          if (isTerminal(session.state)) enqueue(session.id, () => ended(session.id));
          else this.watch(session.id);
        }
      }
    },
    idle: () => queue.idle(),
    stop: () => subscriptions.stop(),
  };
}
