import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.ts';
import { errorResponses, sessionEventSchema } from './api-schemas.ts';
import { type EventSources, followEvents } from './follow-events.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { lastEventId, rejectInvalid } from './schemas.ts';
import type { AppEnv } from './server-deps.ts';

/** Events per JSON page; a client asks again from the last seq until a page comes back short. */
export const JSON_PAGE_SIZE = 500;

const eventsRoute = createRoute({
  method: 'get',
  path: '/{id}/events',
  summary: 'The event log as Server-Sent Events: replay after Last-Event-ID, then live',
  description: `Each SSE message has \`id: <seq>\`, \`event: <type>\`, \`data: <SessionEvent JSON>\`; a \`: keep-alive\` comment line comes every 15 s. With \`Accept: application/json\` instead: a page of at most ${JSON_PAGE_SIZE} events after the cursor (ask again from the last seq until a page is short).`,
  request: {
    params: z.object({ id: z.string() }),
    headers: z.object({ 'last-event-id': lastEventId.optional() }),
    query: z.object({
      lastEventId: lastEventId.optional().meta({ description: 'The cursor, when the header is absent' }),
      access_token: z
        .string()
        .optional()
        .meta({ description: 'The bearer token, since EventSource cannot set headers' }),
    }),
  },
  responses: {
    200: {
      description: 'The events after the cursor',
      content: {
        'text/event-stream': { schema: sessionEventSchema },
        'application/json': { schema: z.object({ events: z.array(sessionEventSchema) }) },
      },
    },
    ...errorResponses(400, 401, 404),
  },
});

/**
 * `GET /api/sessions/:id/events`: the session's log as Server-Sent Events, from after Last-Event-ID
 * (header, else `?lastEventId=`) on, then live, with a keep-alive comment every `keepAliveMs`. A
 * client that goes away releases its subscription and its poller watch.
 */
export function eventRoutes(sources: EventSources, keepAliveMs: number): OpenAPIHono<AppEnv> {
  const app = createOpenApiApp();
  app.openapi(
    eventsRoute,
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await sources.store.getSession(id))) {
        throw new NotFoundError('session_not_found', `No session ${id}; list them with GET /api/sessions.`);
      }
      const after = c.req.valid('header')['last-event-id'] ?? c.req.valid('query').lastEventId ?? 0;
      if (wantsJson(c.req.header('accept'))) {
        // A page of the log as JSON, for clients that want what is there now rather than a stream.
        return c.json({ events: await sources.store.listEvents(id, after, JSON_PAGE_SIZE) }, 200);
      }
      return streamLog(c, sources, id, after, keepAliveMs);
    },
    rejectInvalid('Last-Event-ID'),
  );
  return app;
}

function streamLog(
  c: Context<AppEnv>,
  sources: EventSources,
  id: string,
  after: number,
  keepAliveMs: number,
): Response {
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

/** True when the client asked for JSON and not for an event stream. Pure. */
export function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.includes('application/json') && !accept.includes('text/event-stream');
}
