import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  ErrorCode,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Session } from '../core/session.ts';
import { truncate } from '../core/truncate.ts';
import { followEvents } from '../server/follow-events.ts';
import type { Logger } from '../server/logger.ts';
import { findForgeLink } from '../triggers/forge-link.ts';
import type { McpDeps } from './mcp-deps.ts';
import { readLatestEvents } from './session-log.ts';
import {
  RESOURCE_EVENTS,
  SESSION_URI_TEMPLATE,
  sessionDocument,
  sessionIdOfUri,
  sessionUri,
} from './session-views.ts';

/** The spec's code for a resource that does not exist. */
const RESOURCE_NOT_FOUND = -32002;

/** Sessions `resources/list` shows, newest first; older ones are still readable by URI. */
const LISTED_RESOURCES = 50;

/**
 * At most one `notifications/resources/updated` per session this often: a streaming reply grows the log
 * several times a second, and one notice tells a client to read again.
 */
export const NOTIFY_INTERVAL_MS = 250;

/**
 * Sessions as resources, `drydock://sessions/{id}` (the session and its latest events, as JSON), and
 * subscriptions to them: while a client is subscribed, each growth of the session's log (from this
 * process's worker through the event bus, or another's through the store poller) is told with
 * `notifications/resources/updated`. The subscriptions end when the server closes.
 */
export function registerSessionResources(server: McpServer, deps: McpDeps, log: Logger): void {
  const { store } = deps.sessions;
  const sessionOrThrow = async (uri: string): Promise<Session> => {
    const id = sessionIdOfUri(uri);
    if (id === null) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `${uri} is not a session resource: drydock://sessions/<id>.`,
      );
    }
    const session = await store.getSession(id);
    if (!session) throw new McpError(RESOURCE_NOT_FOUND, `No session ${id}; list_sessions lists them.`);
    return session;
  };

  server.registerResource(
    'session',
    new ResourceTemplate(SESSION_URI_TEMPLATE, {
      list: async () => ({
        resources: (await store.listSessions({ limit: LISTED_RESOURCES })).map((session) => ({
          uri: sessionUri(session.id),
          name: `session ${session.id}`,
          title: truncate(session.task.split('\n')[0] ?? '', 120).text,
          description: `${session.state} · ${session.repo}`,
          mimeType: 'application/json',
        })),
      }),
    }),
    {
      title: 'A drydock session',
      description: `The session (as get_session shows it) and its latest ${RESOURCE_EVENTS} events, streaming output left out. Subscribe to hear when its log grows.`,
      mimeType: 'application/json',
    },
    async (uri) => {
      const session = await sessionOrThrow(uri.href);
      const link = findForgeLink(await store.listLinks({ sessionId: session.id }));
      const pull = link?.data.pullUrl ? { url: link.data.pullUrl, number: link.data.pull ?? null } : null;
      const { events } = await readLatestEvents(store, session.id, RESOURCE_EVENTS);
      const document = sessionDocument(session, pull, events);
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(document, null, 2) }],
      };
    },
  );

  const follows = new Map<string, { stop: AbortController; timer: NodeJS.Timeout | null }>();
  const unsubscribe = (uri: string) => {
    const follow = follows.get(uri);
    if (!follow) return;
    follows.delete(uri);
    follow.stop.abort();
    if (follow.timer) clearTimeout(follow.timer);
  };

  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const { uri } = request.params;
    const session = await sessionOrThrow(uri);
    if (follows.has(uri)) return {};
    const follow = { stop: new AbortController(), timer: null as NodeJS.Timeout | null };
    follows.set(uri, follow);
    const { lastSeq } = await readLatestEvents(store, session.id, 0);
    const notify = async () => {
      if (follow.timer || follow.stop.signal.aborted) return;
      follow.timer = setTimeout(() => {
        follow.timer = null;
        if (follow.stop.signal.aborted) return;
        server.server.sendResourceUpdated({ uri }).catch((error: unknown) => {
          // The connection is going away; its close ends the follow.
          log.debug({ err: error, uri }, 'a resource update was not sent');
        });
      }, NOTIFY_INTERVAL_MS);
      follow.timer.unref();
    };
    followEvents(
      { store, bus: deps.bus, poller: deps.poller },
      session.id,
      lastSeq,
      notify,
      follow.stop.signal,
    ).catch((error: unknown) => {
      log.warn({ err: error, sessionId: session.id }, 'following a session for its MCP subscribers failed');
      unsubscribe(uri);
    });
    return {};
  });

  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    unsubscribe(request.params.uri);
    return {};
  });

  const closed = server.server.onclose;
  server.server.onclose = () => {
    for (const uri of [...follows.keys()]) unsubscribe(uri);
    closed?.();
  };
}
