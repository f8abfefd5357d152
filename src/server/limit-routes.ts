import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { SPEND_PERIODS } from '../core/spend-limits.ts';
import { listSpendLimits, removeSpendLimit, setSpendLimit } from '../sessions/spend-limits.ts';
import { emptyResponse, errorResponses, jsonBody, jsonResponse } from './api-schemas.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';

const scopeSchema = z.string().trim().min(1).meta({
  description:
    'global, repo:<repository> (a local path or owner/name) or creator:<creator> (token:<id>, github:<login>, …)',
  example: 'repo:acme/app',
});
const periodSchema = z.enum(SPEND_PERIODS).meta({ description: 'A UTC calendar day or month' });

export const spendLimitSchema = z
  .object({
    scope: scopeSchema,
    period: periodSchema,
    amountUsd: z.number(),
    source: z.enum(['env', 'store']).meta({
      description:
        'env: DRYDOCK_SPEND_LIMIT_* in the server’s environment (read-only here); store: set through the API',
    }),
    spentUsd: z.number().meta({ description: 'Spent under it this period, calls in flight included' }),
    resetsAt: z.string().meta({ description: 'When the period ends (UTC midnight), ISO 8601' }),
  })
  .meta({ id: 'SpendLimit' });

const setLimitBody = z.object({
  scope: scopeSchema,
  period: periodSchema,
  amountUsd: z.number().positive().meta({ description: 'USD' }),
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'List the spend limits with what was spent under each and when it resets (admin)',
  middleware: [requireRole('admin')] as const,
  responses: {
    200: jsonResponse(
      z.object({ limits: z.array(spendLimitSchema) }),
      'Every limit, the environment’s first',
    ),
    ...errorResponses(401, 403),
  },
});

const setRoute = createRoute({
  method: 'put',
  path: '/',
  summary: 'Set a spend limit (admin): one per scope and period, replacing the one there was',
  middleware: [requireRole('admin'), requireJson] as const,
  request: { body: jsonBody(setLimitBody) },
  responses: {
    200: jsonResponse(spendLimitSchema, 'The limit as it now is'),
    ...errorResponses(400, 401, 403, 413),
  },
});

const removeRoute = createRoute({
  method: 'delete',
  path: '/',
  summary: 'Remove a spend limit (admin)',
  middleware: [requireRole('admin')] as const,
  request: { query: z.object({ scope: scopeSchema, period: periodSchema }) },
  responses: { 204: emptyResponse('Removed'), ...errorResponses(400, 401, 403, 404) },
});

/**
 * `/api/limits` (docs/cost.md): spend limits per day or month, global, per repository or per creator.
 * Admins only. Changes go through sessions/spend-limits.ts, like the CLI's.
 */
export function limitRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store, spendLimits } = deps.sessions;
  const app = createOpenApiApp();

  app.openapi(listRoute, async (c) => c.json({ limits: await listSpendLimits(store, spendLimits) }, 200));

  app.openapi(
    setRoute,
    async (c) => {
      const limit = await setSpendLimit(store, c.req.valid('json'));
      const [status] = await store.spendStatus([limit]);
      return c.json(status ?? { ...limit, spentUsd: 0, resetsAt: '' }, 200);
    },
    rejectInvalid('spend limit'),
  );

  app.openapi(
    removeRoute,
    async (c) => {
      const { scope, period } = c.req.valid('query');
      await removeSpendLimit(store, scope, period);
      return c.body(null, 204);
    },
    rejectInvalid('spend limit'),
  );

  return app;
}
