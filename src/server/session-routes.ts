import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { artifactBody } from '../core/binary-artifact.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import type { Session } from '../core/session.ts';
import { formatPatch } from '../forge/format-patch.ts';
import { sendMessage } from '../sessions/follow-ups.ts';
import { withReadableWorkspace } from '../sessions/readable-workspace.ts';
import { spendContext } from '../sessions/spend-limits.ts';
import {
  artifactInfoSchema,
  errorResponses,
  idParams,
  jsonBody,
  jsonResponse,
  sessionSchema,
  sessionStateSchema,
} from './api-schemas.ts';
import { noteAudit } from './audit-middleware.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { createSessionBody, invalidInput, listSessionsQuery, messageBody, rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';
import { requireSteering, tokenCreator } from './session-access.ts';
import { sessionDiff } from './session-diff.ts';
import { combinedProblem, sessionRequestProblems } from './session-request.ts';
import { startRequestedSession } from './start-session.ts';
import { withChildCounts } from './tree-routes.ts';

const createRouteDef = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a session (member)',
  description:
    'Its job is on the queue when this answers, and a worker picks it up. `repo` names a registered repository (GET /api/repos); anything else is 400 repo_not_registered.',
  middleware: [requireRole('member'), requireJson] as const,
  request: { body: jsonBody(createSessionBody) },
  responses: {
    201: jsonResponse(z.object({ id: z.string(), state: sessionStateSchema }), 'Queued'),
    ...errorResponses(400, 401, 403, 409, 413),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'List sessions, newest first: top-level ones, or with `parentId` one parent’s children',
  description:
    'Attempts and a manager’s children are listed under their parent (`children` counts them; GET /api/sessions/{id}/children has their digests), not among the top-level sessions.',
  request: { query: listSessionsQuery },
  responses: {
    200: jsonResponse(
      z.object({
        sessions: z.array(
          // An intersection, so the document keeps its one Session component.
          sessionSchema.and(
            z.object({ children: z.number().int().meta({ description: 'Its attempts or children' }) }),
          ),
        ),
      }),
      'Sessions',
    ),
    ...errorResponses(400, 401),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One session with its artifacts',
  request: { params: idParams },
  responses: {
    200: jsonResponse(sessionSchema.extend({ artifacts: z.array(artifactInfoSchema) }), 'The session'),
    ...errorResponses(401, 404),
  },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/{id}/cancel',
  summary: 'Cancel a session (its creator, or an admin)',
  description:
    'A queued session is cancelled at once; a running one answers with the state it had, and state.changed → cancelled follows on the event stream within a step. 409 session_ended when it already ended.',
  request: { params: idParams },
  responses: {
    202: jsonResponse(z.object({ id: z.string(), state: sessionStateSchema }), 'Cancelled, or cancelling'),
    ...errorResponses(401, 403, 404, 409),
  },
});

const messageRoute = createRoute({
  method: 'post',
  path: '/{id}/messages',
  summary: 'Send a follow-up (its creator, or an admin)',
  description:
    'Read by the agent at its next step; after the session was delivered or bowed out it opens a new turn on the same branch.',
  request: { params: idParams, body: jsonBody(messageBody) },
  responses: {
    202: jsonResponse(z.object({ id: z.string(), seq: z.number().int() }), 'Recorded as event `seq`'),
    ...errorResponses(400, 401, 403, 404, 409, 413),
  },
});

const diffRoute = createRoute({
  method: 'get',
  path: '/{id}/diff',
  summary: 'The change against the base commit (empty before the workspace exists)',
  request: { params: idParams },
  responses: {
    200: { description: 'Unified diff', content: { 'text/x-diff': { schema: z.string() } } },
    ...errorResponses(401, 404),
  },
});

const patchRoute = createRoute({
  method: 'get',
  path: '/{id}/patch',
  summary: 'git format-patch of the delivered commits, one message per turn',
  request: { params: idParams },
  responses: {
    200: { description: 'mbox', content: { 'application/mbox': { schema: z.string() } } },
    ...errorResponses(401, 404, 409),
  },
});

const artifactRoute = createRoute({
  method: 'get',
  path: '/{id}/artifacts/{artifactId}',
  summary: "An artifact's content, with its content type",
  request: { params: z.object({ id: z.string(), artifactId: z.string() }) },
  responses: {
    200: { description: 'The content', content: { '*/*': { schema: z.string() } } },
    ...errorResponses(401, 404),
  },
});

/** `/api/sessions` and everything under it except the event stream. */
export function sessionRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store } = deps.sessions;
  const app = createOpenApiApp();

  const sessionOr404 = async (id: string): Promise<Session> => {
    const session = await store.getSession(id);
    if (!session) {
      throw new NotFoundError('session_not_found', `No session ${id}; list them with GET /api/sessions.`);
    }
    return session;
  };
  // Who may steer is settled before the body is read: a bad body on someone else's session is still 403.
  const steerable: MiddlewareHandler<AppEnv> = async (c, next) => {
    requireSteering(c.get('token'), await sessionOr404(c.req.param('id') ?? ''));
    await next();
  };

  app.openapi(
    createRouteDef,
    async (c) => {
      const body = c.req.valid('json');
      const session = await startRequestedSession(deps, body, tokenCreator(c.get('token')));
      noteAudit(c, {
        action: 'session.created',
        target: session.id,
        details: { repo: session.repo, model: session.model, task: body.task },
      });
      return c.json({ id: session.id, state: session.state }, 201);
    },
    (result) => (result.success ? undefined : rejectSession(deps, result)),
  );

  app.openapi(
    listRoute,
    async (c) => {
      const query = c.req.valid('query');
      const listed = await store.listSessions({
        parentId: query.parentId ?? null,
        ...(query.state ? { state: query.state } : {}),
        ...(query.repo ? { repo: query.repo } : {}),
        ...(query.q?.trim() ? { text: query.q } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
      });
      return c.json({ sessions: await withChildCounts(store, listed) }, 200);
    },
    rejectInvalid('query'),
  );

  app.openapi(getRoute, async (c) => {
    const session = await sessionOr404(c.req.valid('param').id);
    const artifacts = (await store.listArtifacts(session.id)).map(({ id, name, contentType, createdAt }) => ({
      id,
      name,
      contentType,
      createdAt,
    }));
    return c.json({ ...session, artifacts }, 200);
  });

  app.openapi({ ...cancelRoute, middleware: [requireRole('member'), steerable] as const }, async (c) => {
    noteAudit(c, { action: 'session.cancelled' });
    const session = await deps.control.cancel(c.req.valid('param').id, tokenCreator(c.get('token')));
    return c.json({ id: session.id, state: session.state }, 202);
  });

  app.openapi(
    { ...messageRoute, middleware: [requireRole('member'), steerable, requireJson] as const },
    async (c) => {
      const { id } = c.req.valid('param');
      const { text } = c.req.valid('json');
      noteAudit(c, { action: 'session.messaged', details: { chars: text.length, text } });
      const event = await sendMessage(store, id, text, {
        by: tokenCreator(c.get('token')),
        spend: spendContext(deps.sessions),
      });
      await deps.control.wake(id);
      return c.json({ id, seq: event.seq }, 202);
    },
    rejectInvalid('message'),
  );

  app.openapi(diffRoute, async (c) => {
    const session = await sessionOr404(c.req.valid('param').id);
    const diff = await sessionDiff(deps.sessions, session);
    return c.body(diff, 200, { 'Content-Type': 'text/x-diff; charset=utf-8' });
  });

  app.openapi(patchRoute, async (c) => {
    const session = await sessionOr404(c.req.valid('param').id);
    if (!session.headCommit || !session.baseCommit) {
      throw new ConflictError(
        'not_delivered',
        `Session ${session.id} has delivered no commit yet (${session.state}); use /diff for work in progress.`,
      );
    }
    const { baseCommit, headCommit } = session;
    const patch = await withReadableWorkspace(deps.sessions, session.id, (workspace) =>
      formatPatch([workspace, session.repo], baseCommit, headCommit),
    );
    if (patch === null) {
      throw new NotFoundError(
        'commits_missing',
        `The commits of session ${session.id} are neither in its workspace nor in ${session.repo}.`,
      );
    }
    return c.body(patch, 200, {
      'Content-Type': 'application/mbox',
      'Content-Disposition': `attachment; filename="drydock-${session.id}.patch"`,
    });
  });

  app.openapi(artifactRoute, async (c) => {
    const { id, artifactId } = c.req.valid('param');
    const artifact = await store.getArtifact(artifactId);
    if (!artifact || artifact.sessionId !== id) {
      throw new NotFoundError('artifact_not_found', `No artifact ${artifactId} in this session.`);
    }
    const body = artifactBody(artifact);
    const headers = { 'Content-Type': artifact.contentType };
    return typeof body === 'string' ? c.body(body, 200, headers) : c.body(body, 200, headers);
  });

  return app;
}

/**
 * The create route's validation hook for a body its schema refused: what the schema refused and what the
 * server finds wrong with the fields it did not refuse, in one error.
 */
async function rejectSession(
  deps: ServerDeps,
  result: { error: { issues: readonly z.core.$ZodIssue[] } },
): Promise<never> {
  const refused = invalidInput('session', result.error.issues);
  const flagged = new Set(Object.keys(refused.details?.fields ?? {}));
  // The validator hands its hook the body it read too, though the route's types leave it out.
  const raw = 'data' in result && isRecord(result.data) ? result.data : {};
  const readable = (key: string) => {
    const value = raw[key];
    return flagged.has(key) || typeof value !== 'string' || value.trim() === '' ? undefined : value.trim();
  };
  const { problems } = await sessionRequestProblems(deps, {
    repo: readable('repo'),
    model: readable('model'),
    friendModel: readable('friendModel'),
    ref: readable('ref'),
  });
  throw combinedProblem('session', [refused, ...problems]) ?? refused;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
