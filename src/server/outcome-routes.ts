import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { BadInputError, ConflictError, NotFoundError, UnavailableError } from '../core/errors.ts';
import type { SessionEvent } from '../core/events.ts';
import { isDelivered, type Session } from '../core/session.ts';
import { isTerminal } from '../core/session-state.ts';
import { commitDiff } from '../forge/commit-diff.ts';
import { requireForgeFor } from '../forge/forge-registry.ts';
import { createSession } from '../sessions/create-session.ts';
import { withReadableWorkspace } from '../sessions/readable-workspace.ts';
import { requireRegisteredRepo } from '../sessions/registered-repos.ts';
import { blockedHosts, retryAllowance } from '../sessions/retry-plan.ts';
import { findForgeLink } from '../triggers/forge-link.ts';
import { startWork } from '../triggers/start-work.ts';
import { errorResponses, idParams, jsonBody, jsonResponse, sessionStateSchema } from './api-schemas.ts';
import { noteAudit } from './audit-middleware.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';
import { requireSteering, tokenCreator } from './session-access.ts';
import { triggerDeps } from './trigger-wiring.ts';

/** What a session left to act on: its turns' commits, a rerun with changes, its pull request. */

const commitSchema = z
  .object({
    turn: z.number().int().min(1),
    commit: z.string(),
    parent: z.string().meta({ description: "The previous turn's commit, or the base commit for the first" }),
    filesChanged: z.number().int(),
    insertions: z.number().int(),
    deletions: z.number().int(),
    at: z.string(),
  })
  .meta({ id: 'SessionCommit' });

const commitsRoute = createRoute({
  method: 'get',
  path: '/{id}/commits',
  summary: "The session's delivered commits, one per turn that delivered, oldest first",
  request: { params: idParams },
  responses: {
    200: jsonResponse(z.object({ commits: z.array(commitSchema) }), 'Commits'),
    ...errorResponses(401, 404),
  },
});

const commitDiffRoute = createRoute({
  method: 'get',
  path: '/{id}/commits/{commit}/diff',
  summary: "One turn's change: a delivered commit against the turn before it (or the base commit)",
  request: { params: z.object({ id: z.string(), commit: z.string() }) },
  responses: {
    200: { description: 'Unified diff', content: { 'text/x-diff': { schema: z.string() } } },
    ...errorResponses(401, 404),
  },
});

export const retryBody = z.object({
  task: z.string().trim().min(1, 'say what drydock should do').max(100_000),
  allowHosts: z
    .array(z.string().trim().min(1))
    .max(50)
    .optional()
    .meta({ description: 'host:port pairs the original session was blocked on, which the rerun may reach' }),
});

const retryRoute = createRoute({
  method: 'post',
  path: '/{id}/retry',
  summary: 'Run an ended session again as a new session, with an edited task (its creator, or an admin)',
  description:
    'Same repository, starting commit and models; `allowHosts` may add hosts the original was refused (network.blocked), and no others (400 host_not_blocked). 409 session_not_ended while it runs.',
  request: { params: idParams, body: jsonBody(retryBody) },
  responses: {
    201: jsonResponse(z.object({ id: z.string(), state: sessionStateSchema }), 'The new session, queued'),
    ...errorResponses(400, 401, 403, 404, 409, 413),
  },
});

const pullSchema = z
  .object({
    forge: z
      .boolean()
      .meta({ description: 'Whether the session is published to a forge (its repository is owner/name)' }),
    url: z.string().nullable(),
    number: z.number().int().nullable(),
  })
  .meta({ id: 'SessionPullRequest' });

const pullRoute = createRoute({
  method: 'get',
  path: '/{id}/pull-request',
  summary: "The session's pull request on the forge, if it has one",
  request: { params: idParams },
  responses: { 200: jsonResponse(pullSchema, 'The pull request'), ...errorResponses(401, 404) },
});

const createPullRoute = createRoute({
  method: 'post',
  path: '/{id}/pull-request',
  summary: 'Open (or update) the pull request of a delivered forge session now (its creator, or an admin)',
  request: { params: idParams },
  responses: {
    200: jsonResponse(pullSchema, 'The pull request'),
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

/** `/api/sessions/:id/{commits,retry,pull-request}`. */
export function outcomeRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store } = deps.sessions;
  const app = createOpenApiApp();

  const sessionOr404 = async (id: string): Promise<Session> => {
    const session = await store.getSession(id);
    if (!session) throw new NotFoundError('session_not_found', `No session ${id}.`);
    return session;
  };
  const steerable: MiddlewareHandler<AppEnv> = async (c, next) => {
    requireSteering(c.get('token'), await sessionOr404(c.req.param('id') ?? ''));
    await next();
  };
  const commitsOf = async (session: Session) => sessionCommits(session, await store.listEvents(session.id));
  const forgeLink = async (sessionId: string) => findForgeLink(await store.listLinks({ sessionId }));

  app.openapi(commitsRoute, async (c) => {
    const session = await sessionOr404(c.req.valid('param').id);
    return c.json({ commits: await commitsOf(session) }, 200);
  });

  app.openapi(commitDiffRoute, async (c) => {
    const { id, commit } = c.req.valid('param');
    const session = await sessionOr404(id);
    // Only the session's own commits: the request never names a revision git would resolve.
    const found = (await commitsOf(session)).find((each) => each.commit === commit);
    if (!found) {
      throw new NotFoundError('commit_not_in_session', `Session ${id} delivered no commit ${commit}.`);
    }
    const diff = await withReadableWorkspace(deps.sessions, id, (workspace) =>
      commitDiff([workspace, session.repo], found.parent, found.commit),
    );
    if (diff === null) {
      throw new NotFoundError(
        'commits_missing',
        `The commits of session ${id} are neither in its workspace nor in its repository.`,
      );
    }
    return c.body(diff, 200, { 'Content-Type': 'text/x-diff; charset=utf-8' });
  });

  app.openapi(
    { ...retryRoute, middleware: [requireRole('member'), steerable, requireJson] as const },
    async (c) => {
      const original = await sessionOr404(c.req.valid('param').id);
      if (!isTerminal(original.state)) {
        throw new ConflictError(
          'session_not_ended',
          `Session ${original.id} is still ${original.state}; cancel it or wait for it to end before rerunning it.`,
        );
      }
      const body = c.req.valid('json');
      const allowHosts = retryAllowance(
        original.allowHosts ?? [],
        blockedHosts(await store.listEvents(original.id)),
        body.allowHosts ?? [],
      );
      const request = {
        task: body.task,
        model: original.model,
        ...(original.friendModel === undefined ? {} : { friendModel: original.friendModel }),
        ...(allowHosts.length > 0 ? { allowHosts } : {}),
        createdBy: tokenCreator(c.get('token')),
      };
      const link = await forgeLink(original.id);
      let session: Session;
      if (link) {
        if (!deps.triggers?.forge) {
          throw new BadInputError('forge_not_configured', 'This server has no forge configured any more.');
        }
        requireForgeFor(deps.triggers.forge, link.data.repo);
        session = await startWork(triggerDeps(deps, deps.triggers), {
          ...request,
          repo: link.data.repo,
          requester: request.createdBy.id,
        });
      } else {
        // Still registered: a repository an admin removed takes no reruns either.
        const registered = await requireRegisteredRepo(store, original.repo);
        session = await createSession(deps.sessions, {
          ...request,
          repo: registered.repo,
          // The same starting point, so the rerun differs from the original only by what was changed.
          ref: original.baseCommit ?? original.ref,
        });
        await deps.control.wake(session.id);
      }
      noteAudit(c, {
        action: 'session.retried',
        details: { sessionId: session.id, allowHosts: allowHosts.length },
      });
      return c.json({ id: session.id, state: session.state }, 201);
    },
    rejectInvalid('retry'),
  );

  app.openapi(pullRoute, async (c) => {
    const session = await sessionOr404(c.req.valid('param').id);
    const link = await forgeLink(session.id);
    return c.json(
      { forge: link !== null, url: link?.data.pullUrl ?? null, number: link?.data.pull ?? null },
      200,
    );
  });

  app.openapi({ ...createPullRoute, middleware: [requireRole('member'), steerable] as const }, async (c) => {
    const session = await sessionOr404(c.req.valid('param').id);
    if (!isDelivered(session)) {
      throw new ConflictError(
        'not_delivered',
        `Session ${session.id} has delivered no change (${session.state}).`,
      );
    }
    if (!(await forgeLink(session.id))) {
      throw new ConflictError(
        'not_a_forge_session',
        `Session ${session.id} ran on a local repository: pull its branch ${session.branch} instead.`,
      );
    }
    const publisher = deps.triggers?.publisher;
    if (!deps.triggers?.forge || !publisher) {
      throw new BadInputError('forge_not_configured', 'This server has no forge configured.');
    }
    requireForgeFor(deps.triggers.forge, (await forgeLink(session.id))?.data.repo ?? '');
    await publisher.publish(session.id);
    const link = await forgeLink(session.id);
    if (!link?.data.pullUrl) {
      throw new UnavailableError(
        'pull_request_not_opened',
        'The forge did not open the pull request; the server log says why. Try again later.',
      );
    }
    return c.json({ forge: true, url: link.data.pullUrl, number: link.data.pull ?? null }, 200);
  });

  return app;
}

export type SessionCommit = z.infer<typeof commitSchema>;

/**
 * A session's delivered commits in order, each with the one before it (the base commit for the first).
 * A repeated commit (a resumed delivery recorded twice) counts once. Pure.
 */
export function sessionCommits(
  session: Pick<Session, 'baseCommit'>,
  events: readonly SessionEvent[],
): SessionCommit[] {
  const commits: SessionCommit[] = [];
  let parent = session.baseCommit;
  for (const event of events) {
    const { data } = event;
    if (data.type !== 'delivery.committed' || parent === null) continue;
    if (commits.some((each) => each.commit === data.commit)) continue;
    commits.push({
      turn: commits.length + 1,
      commit: data.commit,
      parent,
      filesChanged: data.filesChanged,
      insertions: data.insertions,
      deletions: data.deletions,
      at: event.at,
    });
    parent = data.commit;
  }
  return commits;
}
