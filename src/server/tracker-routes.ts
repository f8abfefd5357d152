import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.ts';
import { DEFAULT_TRACKER_STATES, TRACKER_KINDS, type TrackerMapping } from '../core/ports/tracker.ts';
import { requireRegisteredRepo } from '../sessions/registered-repos.ts';
import { emptyResponse, errorResponses, jsonBody, jsonResponse } from './api-schemas.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';
import { trackerConnectionsOf } from './trigger-wiring.ts';

const trackerSchema = z.enum(TRACKER_KINDS).meta({ id: 'TrackerKind' });
const statesSchema = z
  .object({
    started: z
      .string()
      .max(100)
      .meta({ description: 'Where an issue moves when its session starts working; empty: stays' }),
    delivered: z.string().max(100).meta({
      description: 'Where it moves when the session delivers (pull request or branch); empty: stays',
    }),
  })
  .meta({ id: 'TrackerStates' });
const projectKey = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,49}$/, 'a Linear team key (ENG) or a Jira project key (PROJ)');

const mappingSchema = z
  .object({
    tracker: trackerSchema,
    project: z.string(),
    repo: z.string(),
    states: statesSchema,
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'TrackerMapping' });

const statusSchema = z
  .object({
    tracker: trackerSchema,
    configured: z.boolean().meta({
      description:
        'Connected: by the environment, or through /api/trackers/connections (details there, admin)',
    }),
    webhookPath: z.string(),
  })
  .meta({ id: 'TrackerStatus' });

const putBody = z.object({
  repo: z.string().min(1).meta({ description: 'A registered repository: its id, path or owner/name' }),
  states: statesSchema.partial().optional(),
});
const keyParams = z.object({ tracker: trackerSchema, project: projectKey });

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary:
    'The trackers this server takes webhooks from, and the team/project → repository mappings (any role)',
  responses: {
    200: jsonResponse(
      z.object({ trackers: z.array(statusSchema), mappings: z.array(mappingSchema) }),
      'Trackers and mappings',
    ),
    ...errorResponses(401),
  },
});

const putRoute = createRoute({
  method: 'put',
  path: '/{tracker}/mappings/{project}',
  summary: "Map a Linear team's or Jira project's issues to a registered repository (admin)",
  description:
    'Issues of the team or project that are assigned to drydock (or labelled, or mention it) start sessions on the repository; drydock moves them to `states.started` and `states.delivered` (default In Progress and In Review; an empty name leaves the issue where it is). Replaces an existing mapping.',
  middleware: [requireRole('admin'), requireJson] as const,
  request: { params: keyParams, body: jsonBody(putBody) },
  responses: {
    200: jsonResponse(mappingSchema, 'The mapping'),
    ...errorResponses(400, 401, 403, 413),
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/{tracker}/mappings/{project}',
  summary: 'Remove a mapping (admin); sessions it started stay as they are',
  middleware: [requireRole('admin')] as const,
  request: { params: keyParams },
  responses: { 204: emptyResponse('Removed'), ...errorResponses(401, 403, 404) },
});

/** `/api/trackers`: Linear and Jira Cloud (docs/triggers.md). Everyone reads; admins map. */
export function trackerRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store } = deps.sessions;
  const app = createOpenApiApp();
  const show = (mapping: TrackerMapping) => mapping;

  app.openapi(listRoute, async (c) => {
    const connections = deps.triggers
      ? await trackerConnectionsOf(store, deps.triggers).list()
      : TRACKER_KINDS.map((tracker) => ({ tracker, source: null }));
    return c.json(
      {
        trackers: connections.map(({ tracker, source }) => ({
          tracker,
          configured: source !== null,
          webhookPath: `/webhooks/${tracker}`,
        })),
        mappings: (await store.listTrackerMappings()).map(show),
      },
      200,
    );
  });

  app.openapi(
    putRoute,
    async (c) => {
      const { tracker, project } = c.req.valid('param');
      const body = c.req.valid('json');
      const registered = await requireRegisteredRepo(store, body.repo);
      const existing = await store.getTrackerMapping(tracker, project);
      const mapping = await store.putTrackerMapping({
        tracker,
        project,
        repo: registered.repo,
        states: { ...(existing?.states ?? DEFAULT_TRACKER_STATES), ...body.states },
        createdBy: c.get('token').name,
      });
      return c.json(show(mapping), 200);
    },
    rejectInvalid('tracker mapping'),
  );

  app.openapi(deleteRoute, async (c) => {
    const { tracker, project } = c.req.valid('param');
    if (!(await store.deleteTrackerMapping(tracker, project))) {
      throw new NotFoundError('tracker_mapping_not_found', `No ${tracker} mapping for ${project}.`);
    }
    return c.body(null, 204);
  });

  return app;
}
