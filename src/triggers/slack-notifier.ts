import type { EventBus } from '../core/ports/event-bus.ts';
import type { JsonValue, SessionLink, Store } from '../core/ports/store.ts';
import { isTerminal } from '../core/session-state.ts';
import { findForgeLink } from './forge-link.ts';
import { createSessionQueue, createSessionSubscriptions } from './session-queue.ts';
import type { SlackClient } from './slack-client.ts';
import { endingNote, progressNote, SlackLinkData } from './slack-events.ts';

export interface SlackNotifierDeps {
  store: Store;
  bus: EventBus;
  client: SlackClient;
  publicUrl: string;
  onError?: (error: unknown, sessionId: string) => void;
}

export interface SlackNotifier {
  /** Follows a Slack-started session's events and posts its progress and ending in its thread. Idempotent. */
  watch(sessionId: string): void;
  /** The publisher pushed the session's commit and opened or updated its pull request: say so. */
  published(sessionId: string): void;
  /** Watches every Slack session still running, and posts endings missed while the server was down. */
  start(): Promise<void>;
  /** Resolves when the posts in flight are done (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

/** The session's Slack thread link, if it has one. */
export function findSlackLink(links: readonly SessionLink[]): { key: string; data: SlackLinkData } | null {
  for (const link of links) {
    const parsed = SlackLinkData.safeParse(link.data);
    if (parsed.success) return { key: link.key, data: parsed.data };
  }
  return null;
}

/**
 * Posts a Slack-started session's key moments in its thread: working, delivering, and how it ended (the
 * pull request once the publisher opened it, else the branch, or the bow-out reason). Endings are recorded
 * in the thread's link, so each is posted once, also across restarts. Driven by the event bus; failures go
 * to `onError`, never to the bus.
 */
export function createSlackNotifier(deps: SlackNotifierDeps): SlackNotifier {
  const subscriptions = createSessionSubscriptions(deps.bus);
  const queue = createSessionQueue(deps.onError);
  const url = (sessionId: string) => `${deps.publicUrl.replace(/\/+$/, '')}/sessions/${sessionId}`;

  const enqueue = (sessionId: string, work: () => Promise<void>): void => {
    void queue.enqueue(sessionId, work);
  };

  async function thread(sessionId: string) {
    const links = await deps.store.listLinks({ sessionId });
    const slack = findSlackLink(links);
    return slack ? { slack, forge: findForgeLink(links) } : null;
  }

  async function postEnding(sessionId: string): Promise<void> {
    const session = await deps.store.getSession(sessionId);
    const found = await thread(sessionId);
    if (!session || !found) return;
    const { slack, forge } = found;
    const ending = `${session.state}@${session.updatedAt}`;
    if (slack.data.reported === ending) return;
    const note = endingNote(session, url(session.id), forge !== null);
    if (note === null) return;
    await deps.client.post(slack.data.channel, slack.data.thread, note);
    await deps.store.linkSession(slack.key, session.id, { ...slack.data, reported: ending } as JsonValue);
  }

  async function postPublished(sessionId: string): Promise<void> {
    const session = await deps.store.getSession(sessionId);
    const found = await thread(sessionId);
    if (!session || !found?.forge?.data.pullUrl) return;
    const { slack, forge } = found;
    const ending = `${session.state}@${session.updatedAt}`;
    if (slack.data.reported === ending) return;
    const commit = forge.data.publishedCommit?.slice(0, 12) ?? '';
    await deps.client.post(
      slack.data.channel,
      slack.data.thread,
      `drydock's pull request: ${forge.data.pullUrl} (commit ${commit})\n${url(session.id)}`,
    );
    await deps.store.linkSession(slack.key, session.id, { ...slack.data, reported: ending } as JsonValue);
  }

  return {
    watch(sessionId) {
      subscriptions.watch(sessionId, (event) => {
        if (event.data.type !== 'state.changed') return;
        const { from, to } = event.data;
        if (isTerminal(to)) {
          enqueue(sessionId, () => postEnding(sessionId));
          return;
        }
        const note = progressNote(from, to);
        if (note === null) return;
        enqueue(sessionId, async () => {
          const found = await thread(sessionId);
          if (found) await deps.client.post(found.slack.data.channel, found.slack.data.thread, note);
        });
      });
    },
    published(sessionId) {
      enqueue(sessionId, () => postPublished(sessionId));
    },
    async start() {
      for (const link of await deps.store.listLinks({ prefix: 'slack:' })) {
        if (!SlackLinkData.safeParse(link.data).success) continue;
        const session = await deps.store.getSession(link.sessionId);
        if (!session) continue;
        if (isTerminal(session.state)) enqueue(session.id, () => postEnding(session.id));
        else this.watch(session.id);
      }
    },
    idle: () => queue.idle(),
    stop: () => subscriptions.stop(),
  };
}
