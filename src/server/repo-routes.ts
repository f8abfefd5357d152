import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.ts';
import { registerRepo } from '../sessions/registered-repos.ts';
import {
  emptyResponse,
  errorResponses,
  idParams,
  jsonBody,
  jsonResponse,
  registeredRepoSchema,
} from './api-schemas.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { registerRepoBody, rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'List the registered repositories, oldest first (any role)',
  responses: {
    200: jsonResponse(z.object({ repos: z.array(registeredRepoSchema) }), 'Registered repositories'),
    ...errorResponses(401),
  },
});

const registerRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Register a repository (admin)',
  description:
    'A local git repository by the absolute path of its top level (stored as its real path), or a forge repository as owner/name. In server mode sessions, hooks, schedules and Slack channels name only registered repositories.',
  middleware: [requireRole('admin'), requireJson] as const,
  request: { body: jsonBody(registerRepoBody) },
  responses: {
    201: jsonResponse(registeredRepoSchema, 'Registered'),
    ...errorResponses(400, 401, 403, 409, 413),
  },
});

const removeRoute = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Remove a registration (admin); sessions on it stay as they are',
  middleware: [requireRole('admin')] as const,
  request: { params: idParams },
  responses: { 204: emptyResponse('Removed'), ...errorResponses(401, 403, 404) },
});

/**
 * `/api/repos`: the repositories sessions may run on. Everyone lists them (members pick one for a task);
 * admins register and remove them.
 */
export function repoRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store, home } = deps.sessions;
  const app = createOpenApiApp();

  app.openapi(listRoute, async (c) => c.json({ repos: await store.listRepos() }, 200));

  app.openapi(
    registerRoute,
    async (c) => {
      const repo = await registerRepo({ store, home }, c.req.valid('json').repo, c.get('token').name);
      return c.json(repo, 201);
    },
    rejectInvalid('repository'),
  );

  app.openapi(removeRoute, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await store.deleteRepo(id))) {
      throw new NotFoundError(
        'registered_repo_not_found',
        `No registered repository ${id}; list them with GET /api/repos.`,
      );
    }
    return c.body(null, 204);
  });

  return app;
}
