import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { NotFoundError } from '../core/errors.ts';
import { type EventSources, followEvents } from './follow-events.ts';
import { lastEventId, parseInput } from './schemas.ts';
import type { AppEnv } from './server-deps.ts';

/**
 * `GET /api/sessions/:id/events`: the session's log as Server-Sent Events, from after Last-Event-ID
 * (header, else `?lastEventId=`) on, then live, with a keep-alive comment every `keepAliveMs`. A
 * client that goes away releases its subscription and its poller watch.
 */
export async function streamEvents(
  c: Context<AppEnv>,
  sources: EventSources,
  keepAliveMs: number,
): Promise<Response> {
  const id = c.req.param('id') ?? '';
  if (!(await sources.store.getSession(id))) {
    throw new NotFoundError('session_not_found', `No session ${id}; list them with GET /api/sessions.`);
  }
  const cursor = c.req.header('last-event-id') ?? c.req.query('lastEventId');
  const after = cursor === undefined || cursor === '' ? 0 : parseInput(lastEventId, cursor, 'Last-Event-ID');
  if (wantsJson(c.req.header('accept'))) {
    // A page of the log as JSON, for clients that want what is there now rather than a stream.
    return c.json({ events: await sources.store.listEvents(id, after, JSON_PAGE_SIZE) });
  }
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    const controller = new AbortController();
    stream.onAbort(() => controller.abort());
    const keepAlive = setInterval(() => {
      void stream.write(': keep-alive\n\n');
    }, keepAliveMs);
    try {
      await followEvents(
        sources,
        id,
        after,
        (event) =>
          stream.writeSSE({ id: String(event.seq), event: event.data.type, data: JSON.stringify(event) }),
        controller.signal,
      );
    } finally {
      clearInterval(keepAlive);
    }
  });
}

/** Events per JSON page; a client asks again from the last seq until a page comes back short. */
export const JSON_PAGE_SIZE = 500;

/** True when the client asked for JSON and not for an event stream. Pure. */
export function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.includes('application/json') && !accept.includes('text/event-stream');
}
