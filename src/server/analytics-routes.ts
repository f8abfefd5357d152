import { join, sep } from 'node:path';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  ANALYTICS_EVENT_TYPES,
  type AnalyticsQuery,
  computeAnalytics,
  type SessionFacts,
} from '../core/analytics.ts';
import { analyticsCsv } from '../core/analytics-csv.ts';
import { BadInputError } from '../core/errors.ts';
import { analyticsReportSchema } from './analytics-schemas.ts';
import { errorResponses, jsonResponse } from './api-schemas.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';

const DAY_MS = 86_400_000;
/** Without `from`: the 30 days up to `to`. */
const DEFAULT_DAYS = 30;
/** The longest range one request counts. */
export const MAX_ANALYTICS_DAYS = 366;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, YYYY-MM-DD')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00.000Z`)), 'not a day of the calendar');

const analyticsQuery = z.object({
  from: day.optional().meta({ description: 'First UTC day, included (default: 29 days before `to`)' }),
  to: day.optional().meta({ description: 'Last UTC day, included (default: today)' }),
  repo: z.string().optional().meta({ description: 'Only this repository (a path, or owner/name)' }),
  model: z.string().optional().meta({ description: 'Only sessions of this model spec' }),
  trigger: z
    .string()
    .optional()
    .meta({ description: 'Only sessions that came this way: github, slack, hook, schedule, api, cli, …' }),
});

const reportRoute = createRoute({
  method: 'get',
  path: '/analytics',
  summary: 'Outcome analytics over a range of days: sessions by outcome, rates, cost, time to PR (member)',
  request: { query: analyticsQuery },
  middleware: [requireRole('member')] as const,
  responses: {
    200: jsonResponse(analyticsReportSchema, 'The report'),
    ...errorResponses(400, 401, 403),
  },
});

const csvRoute = createRoute({
  method: 'get',
  path: '/analytics.csv',
  summary: 'The analytics as CSV: a row per day, and per repository, model and trigger of each day (member)',
  request: { query: analyticsQuery },
  middleware: [requireRole('member')] as const,
  responses: {
    200: { description: 'CSV (docs/cost.md, "Analytics")', content: { 'text/csv': { schema: z.string() } } },
    ...errorResponses(400, 401, 403),
  },
});

/** `/api/analytics` and `/api/analytics.csv` (docs/cost.md, "Analytics"). */
export function analyticsRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store, clock, home } = deps.sessions;
  const app = createOpenApiApp();

  async function facts(query: AnalyticsQuery): Promise<SessionFacts[]> {
    const range = {
      from: `${query.from}T00:00:00.000Z`,
      to: new Date(Date.parse(`${query.to}T00:00:00.000Z`) + DAY_MS).toISOString(),
    };
    const found = await store.listSessionFacts(range, ANALYTICS_EVENT_TYPES);
    const clones = join(home, 'repos') + sep;
    return found.map((each) => ({
      ...each,
      session: { ...each.session, repo: repoLabel(clones, each.session.repo) },
    }));
  }

  app.openapi(reportRoute, async (c) => {
    const query = analyticsRange(c.req.valid('query'), clock.now());
    return c.json(computeAnalytics(await facts(query), query), 200);
  });

  app.openapi(csvRoute, async (c) => {
    const query = analyticsRange(c.req.valid('query'), clock.now());
    const name = `drydock-analytics-${query.from}-${query.to}.csv`;
    return c.body(analyticsCsv(await facts(query), query), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}"`,
    });
  });

  return app;
}

/** A forge repository's sessions run in the server's clone (`<home>/repos/<owner>/<name>`): name it `owner/name`. Pure. */
export function repoLabel(clonesDir: string, repo: string): string {
  return repo.startsWith(clonesDir) ? repo.slice(clonesDir.length).split(sep).join('/') : repo;
}

/** The query's days, defaults filled in: the last 30 days up to today (UTC). Pure. */
export function analyticsRange(query: z.infer<typeof analyticsQuery>, now: Date): AnalyticsQuery {
  const to = query.to ?? now.toISOString().slice(0, 10);
  const toMs = Date.parse(`${to}T00:00:00.000Z`);
  const from = query.from ?? new Date(toMs - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  const days = (toMs - Date.parse(`${from}T00:00:00.000Z`)) / DAY_MS + 1;
  if (days < 1 || days > MAX_ANALYTICS_DAYS) {
    const problem = days < 1 ? 'from is after to' : `the range is ${days} days, over ${MAX_ANALYTICS_DAYS}`;
    throw new BadInputError(
      'bad_analytics_range',
      `Analytics range: ${problem}; ask for at most ${MAX_ANALYTICS_DAYS} days, from ≤ to.`,
      {
        details: { fields: { from: problem } },
      },
    );
  }
  const { repo, model, trigger } = query;
  return {
    from,
    to,
    ...(repo ? { repo } : {}),
    ...(model ? { model } : {}),
    ...(trigger ? { trigger } : {}),
  };
}
