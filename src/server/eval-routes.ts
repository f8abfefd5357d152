import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.ts';
import { summarizeByRepo, summarizeEval } from '../core/eval-summary.ts';
import { errorResponses, idParams, jsonResponse } from './api-schemas.ts';
import {
  evalInstanceSchema,
  evalRepoSummarySchema,
  evalRunSchema,
  evalSummarySchema,
} from './eval-schemas.ts';
import { createOpenApiApp } from './openapi-app.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'List the evaluation runs, newest first, each with its summary (any role)',
  responses: {
    200: jsonResponse(
      z.object({ runs: z.array(z.object({ run: evalRunSchema, summary: evalSummarySchema })) }),
      'Evaluation runs',
    ),
    ...errorResponses(401),
  },
});

const showRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary:
    'An evaluation run: its summary, per repository, and its instances in the order they started (any role)',
  request: { params: idParams },
  responses: {
    200: jsonResponse(
      z.object({
        run: evalRunSchema,
        summary: evalSummarySchema,
        repos: z.array(evalRepoSummarySchema),
        instances: z.array(evalInstanceSchema),
      }),
      'The evaluation run',
    ),
    ...errorResponses(401, 404),
  },
});

/** `/api/evals`: the runs of `drydock eval` (docs/eval.md), read-only; the CLI writes them to the store. */
export function evalRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store } = deps.sessions;
  const app = createOpenApiApp();

  app.openapi(listRoute, async (c) => {
    const runs = await store.listEvalRuns();
    const summarized = await Promise.all(
      runs.map(async (run) => ({ run, summary: summarizeEval(await store.listEvalInstances(run.id)) })),
    );
    return c.json({ runs: summarized }, 200);
  });

  app.openapi(showRoute, async (c) => {
    const { id } = c.req.valid('param');
    const run = await store.getEvalRun(id);
    if (!run) {
      throw new NotFoundError(
        'eval_run_not_found',
        `No evaluation run ${id}; list them with GET /api/evals.`,
      );
    }
    const instances = await store.listEvalInstances(id);
    return c.json(
      { run, summary: summarizeEval(instances), repos: summarizeByRepo(instances), instances },
      200,
    );
  });

  return app;
}
