import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { UnavailableError } from '../core/errors.ts';
import { TRACKER_KINDS } from '../core/ports/tracker.ts';
import { emptyResponse, errorResponses, jsonBody, jsonResponse } from './api-schemas.ts';
import { noteAudit } from './audit-middleware.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';
import { trackerConnectionInput } from './tracker-connection-fields.ts';
import { trackerConnectionsOf } from './trigger-wiring.ts';

const trackerSchema = z.enum(TRACKER_KINDS);

const connectionSchema = z
  .object({
    tracker: trackerSchema,
    source: z.enum(['env', 'stored']).nullable().meta({
      description:
        "env: the server's DRYDOCK_LINEAR_* or DRYDOCK_JIRA_* (they win; read-only here); stored: set through the API, CLI or UI; null: not connected",
    }),
    settings: z.record(z.string(), z.string()).meta({
      description: 'The settings that are not secret (Linear: handle, apiUrl; Jira: url, email, label)',
    }),
    secretsSet: z.array(z.string()).meta({
      description: 'The names of the secret settings that are set; their values are never answered',
    }),
    updatedBy: z.string().nullable(),
    updatedAt: z.string().nullable(),
    webhookPath: z.string(),
  })
  .meta({ id: 'TrackerConnection' });

const params = z.object({ tracker: trackerSchema });

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Which trackers are connected, from where, with their settings that are not secret (admin)',
  middleware: [requireRole('admin')] as const,
  responses: {
    200: jsonResponse(z.object({ connections: z.array(connectionSchema) }), 'One per tracker'),
    ...errorResponses(401, 403, 503),
  },
});

const putRoute = createRoute({
  method: 'put',
  path: '/{tracker}',
  summary: 'Connect Linear or Jira, or change its connection (admin); secrets are sealed, never answered',
  description:
    "Fields left out keep their stored values, so a secret is sent only to set or replace it. Unless `check` is false, the credentials are first checked with one call to the tracker. 409 when the server's environment configures the tracker: it wins over stored settings.",
  middleware: [requireRole('admin'), requireJson] as const,
  request: { params, body: jsonBody(trackerConnectionInput) },
  responses: {
    200: jsonResponse(connectionSchema, 'The connection as it now is'),
    ...errorResponses(400, 401, 403, 409, 413, 503),
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/{tracker}',
  summary: 'Disconnect a stored tracker connection (admin); its webhooks answer 503 from then on',
  middleware: [requireRole('admin')] as const,
  request: { params },
  responses: { 204: emptyResponse('Removed'), ...errorResponses(401, 403, 404, 409, 503) },
});

/** `/api/trackers/connections` (docs/triggers.md): Linear's and Jira's credentials, admins only. */
export function trackerConnectionRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const app = createOpenApiApp();
  const connections = () => {
    if (!deps.triggers) {
      throw new UnavailableError(
        'tracker_connections_unavailable',
        'This server runs without triggers, so it takes no tracker webhooks: start it with drydock up.',
        { transient: false },
      );
    }
    return trackerConnectionsOf(deps.sessions.store, deps.triggers);
  };

  app.openapi(listRoute, async (c) => c.json({ connections: await connections().list() }, 200));

  app.openapi(
    putRoute,
    async (c) => {
      const { tracker } = c.req.valid('param');
      const input = c.req.valid('json');
      // Names, never values: which fields changed and whether the credentials were checked.
      noteAudit(c, {
        action: 'tracker.connected',
        target: tracker,
        details: {
          fields: Object.keys(input).filter((name) => name !== 'check'),
          checked: input.check ?? true,
        },
      });
      const connection = await connections().connect(tracker, input, c.get('token').name);
      return c.json(connection, 200);
    },
    rejectInvalid('tracker connection'),
  );

  app.openapi(deleteRoute, async (c) => {
    const { tracker } = c.req.valid('param');
    noteAudit(c, { action: 'tracker.disconnected', target: tracker });
    await connections().disconnect(tracker);
    return c.body(null, 204);
  });

  return app;
}
