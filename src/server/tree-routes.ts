import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { childDigest, parentRecord } from '../core/child-digest.ts';
import { NotFoundError } from '../core/errors.ts';
import type { Store } from '../core/ports/store.ts';
import type { Session, SessionKind } from '../core/session.ts';
import { errorResponses, idParams, jsonResponse, sessionSchema, sessionStateSchema } from './api-schemas.ts';
import { createOpenApiApp } from './openapi-app.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';

/** A session's children (attempts, a manager's children), each with a digest of its log (docs/attempts.md). */

/** Kinds whose sessions run children; only they are counted (a plain session never has any). */
const PARENT_KINDS: readonly SessionKind[] = ['attempts', 'manager'];

/** More children than any parent runs (attempts are at most 8, a manager's fan-out is capped). */
const MAX_CHILDREN = 1000;

const findingCountsSchema = z
  .object({
    critical: z.number().int(),
    major: z.number().int(),
    minor: z.number().int(),
    nit: z.number().int(),
  })
  .meta({ id: 'FindingCounts' });

const diffStatSchema = z
  .object({ files: z.number().int(), insertions: z.number().int(), deletions: z.number().int() })
  .meta({ id: 'DiffStat' });

export const childDigestSchema = z
  .object({
    outcome: z
      .object({ kind: z.string(), detail: z.string() })
      .nullable()
      .meta({ description: 'How its coder last stopped (finished, gave_up, budget_exhausted, …)' }),
    gate: z
      .object({
        round: z.number().int(),
        passed: z.boolean(),
        failToPass: z.number().int().meta({ description: 'FAIL_TO_PASS tests, passing now' }),
        passToPass: z.number().int(),
        problems: z.array(z.string()).meta({ description: 'Why it did not pass (regressions among them)' }),
      })
      .nullable()
      .meta({ description: "The gate's last verdict" }),
    review: z
      .object({ round: z.number().int(), approved: z.boolean(), findings: findingCountsSchema })
      .nullable()
      .meta({ description: "The reviewer's last round, findings by severity" }),
    diff: diffStatSchema.nullable().meta({ description: 'What it committed (delivery.committed, summed)' }),
  })
  .meta({ id: 'ChildDigest' });

const attemptEvidenceSchema = z
  .object({
    sessionId: z.string(),
    model: z.string(),
    state: sessionStateSchema,
    candidate: z.boolean().meta({ description: 'Passed the gate and the review' }),
    why: z.string(),
    failToPass: z.number().int(),
    passToPass: z.number().int(),
    regressions: z.number().int(),
    findings: findingCountsSchema,
    diff: diffStatSchema.nullable(),
    costUsd: z.number(),
  })
  .meta({ id: 'AttemptEvidence' });

export const attemptsChoiceSchema = z
  .object({
    winnerId: z.string().nullable().meta({ description: 'null: no attempt qualified, the parent bows out' }),
    reason: z.string(),
    ranking: z.array(attemptEvidenceSchema).meta({ description: 'Every attempt, best first' }),
    judge: z.object({ model: z.string(), verdict: z.string() }).optional(),
  })
  .meta({ id: 'AttemptsChoice' });

export const sessionChildSchema = sessionSchema
  .and(
    z.object({
      children: z.number().int().meta({ description: 'Its own children (a child that manages)' }),
      digest: childDigestSchema,
      integrated: z
        .object({ files: z.array(z.string()), conflicts: z.array(z.string()) })
        .nullable()
        .meta({ description: 'Its change as the manager took it in (child.integrated); null: not (yet)' }),
    }),
  )
  .meta({ id: 'SessionChild' });

const childrenRoute = createRoute({
  method: 'get',
  path: '/{id}/children',
  summary:
    "A session's children (attempts, a manager's children), oldest first, each with a digest of its log",
  description:
    "For an attempts session, `choice` is its `attempts.chosen` record once it chose (the winner, why, every attempt's evidence and the judge's verdict); null before, and for other kinds.",
  request: { params: idParams },
  responses: {
    200: jsonResponse(
      z.object({ children: z.array(sessionChildSchema), choice: attemptsChoiceSchema.nullable() }),
      'Its children',
    ),
    ...errorResponses(401, 404),
  },
});

/** `/api/sessions/:id/children`. */
export function treeRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store } = deps.sessions;
  const app = createOpenApiApp();

  app.openapi(childrenRoute, async (c) => {
    const { id } = c.req.valid('param');
    const parent = await store.getSession(id);
    if (!parent) {
      throw new NotFoundError('session_not_found', `No session ${id}; list them with GET /api/sessions.`);
    }
    const record = parentRecord(await store.listEvents(id));
    const sessions = await withChildCounts(
      store,
      await store.listSessions({ parentId: id, order: 'oldest', limit: MAX_CHILDREN }),
    );
    const children = await Promise.all(
      sessions.map(async (child) => ({
        ...child,
        digest: childDigest(await store.listEvents(child.id)),
        integrated: record.integrated.get(child.id) ?? null,
      })),
    );
    return c.json({ children, choice: record.choice }, 200);
  });

  return app;
}

/**
 * Each session with the number of its children: counted for attempts and manager sessions, 0 for the
 * rest (which never have any), so a list costs one more query per parent on it, not per session.
 */
export async function withChildCounts(
  store: Pick<Store, 'listSessions'>,
  sessions: readonly Session[],
): Promise<Array<Session & { children: number }>> {
  return Promise.all(
    sessions.map(async (session) => ({
      ...session,
      children:
        session.kind !== undefined && PARENT_KINDS.includes(session.kind)
          ? (await store.listSessions({ parentId: session.id, limit: MAX_CHILDREN })).length
          : 0,
    })),
  );
}
