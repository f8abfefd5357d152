import { stat } from 'node:fs/promises';
import { Hono } from 'hono';
import { BadInputError, ConflictError, NotFoundError } from '../core/errors.ts';
import type { Session, SessionCreator } from '../core/session.ts';
import { formatPatch } from '../forge/format-patch.ts';
import { workspaceDiff } from '../forge/local-delivery.ts';
import { workspaceGit } from '../forge/workspace-git.ts';
import { createSession } from '../sessions/create-session.ts';
import { sendMessage } from '../sessions/follow-ups.ts';
import { withReadableWorkspace } from '../sessions/readable-workspace.ts';
import { requireRegisteredRepo } from '../sessions/registered-repos.ts';
import { startWork } from '../triggers/start-work.ts';
import { requireRole } from './auth.ts';
import { checkModel } from './model-check.ts';
import { readJsonBody } from './read-json-body.ts';
import { createSessionBody, listSessionsQuery, messageBody, parseInput } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';
import { requireSteering, tokenCreator } from './session-access.ts';
import { triggerDeps } from './trigger-wiring.ts';

/** `/api/sessions` and everything under it except the event stream. */
export function sessionRoutes(deps: ServerDeps): Hono<AppEnv> {
  const { store } = deps.sessions;
  const app = new Hono<AppEnv>();

  const sessionOr404 = async (id: string): Promise<Session> => {
    const session = await store.getSession(id);
    if (!session) {
      throw new NotFoundError('session_not_found', `No session ${id}; list them with GET /api/sessions.`);
    }
    return session;
  };

  app.post('/', requireRole('member'), async (c) => {
    const body = parseInput(createSessionBody, await readJsonBody(c), 'session');
    const model = body.model ?? deps.defaultModel;
    checkModel(deps, model);
    const createdBy = tokenCreator(c.get('token'));
    // Only registered repositories: the request's `repo` is looked up, never resolved on the server's disk.
    const registered = await requireRegisteredRepo(store, body.repo);
    if (registered.kind === 'forge') {
      const session = await startForgeSession(deps, { ...body, repo: registered.repo, model, createdBy });
      return c.json({ id: session.id, state: session.state }, 201);
    }
    const session = await createSession(deps.sessions, {
      task: body.task,
      repo: registered.repo,
      model,
      createdBy,
      ...(body.ref ? { ref: body.ref } : {}),
    });
    await deps.control.wake(session.id);
    return c.json({ id: session.id, state: session.state }, 201);
  });

  app.get('/', async (c) => {
    const query = parseInput(listSessionsQuery, c.req.query(), 'query');
    const sessions = await store.listSessions({
      ...(query.state ? { state: query.state } : {}),
      ...(query.repo ? { repo: query.repo } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return c.json({ sessions });
  });

  app.get('/:id', async (c) => {
    const session = await sessionOr404(c.req.param('id'));
    const artifacts = (await store.listArtifacts(session.id)).map(({ id, name, contentType, createdAt }) => ({
      id,
      name,
      contentType,
      createdAt,
    }));
    return c.json({ ...session, artifacts });
  });

  app.post('/:id/cancel', requireRole('member'), async (c) => {
    requireSteering(c.get('token'), await sessionOr404(c.req.param('id')));
    const session = await deps.control.cancel(c.req.param('id'));
    return c.json({ id: session.id, state: session.state }, 202);
  });

  app.post('/:id/messages', requireRole('member'), async (c) => {
    const id = c.req.param('id');
    requireSteering(c.get('token'), await sessionOr404(id));
    const body = parseInput(messageBody, await readJsonBody(c), 'message');
    const event = await sendMessage(store, id, body.text);
    await deps.control.wake(id);
    return c.json({ id, seq: event.seq }, 202);
  });

  app.get('/:id/diff', async (c) => {
    const session = await sessionOr404(c.req.param('id'));
    const diff = await withReadableWorkspace(deps.sessions, session.id, async (workspace) => {
      const exists = (await stat(workspace).catch(() => null))?.isDirectory() ?? false;
      // Before provisioning there is no workspace, and so no change yet.
      return exists && session.baseCommit
        ? await workspaceDiff(
            workspaceGit(workspace, deps.sessions.sandboxes.confinement),
            session.baseCommit,
          )
        : '';
    });
    return c.body(diff, 200, { 'Content-Type': 'text/x-diff; charset=utf-8' });
  });

  app.get('/:id/patch', async (c) => {
    const session = await sessionOr404(c.req.param('id'));
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

  app.get('/:id/artifacts/:artifactId', async (c) => {
    const artifact = await store.getArtifact(c.req.param('artifactId'));
    if (!artifact || artifact.sessionId !== c.req.param('id')) {
      throw new NotFoundError(
        'artifact_not_found',
        `No artifact ${c.req.param('artifactId')} in this session.`,
      );
    }
    return c.body(artifact.content, 200, { 'Content-Type': artifact.contentType });
  });

  return app;
}

/**
 * A session on a registered forge repository, as a trigger starts one: on the control plane's clone of
 * its default branch, published as a pull request when it delivers.
 */
async function startForgeSession(
  deps: ServerDeps,
  request: { repo: string; task: string; model: string; ref?: string | undefined; createdBy: SessionCreator },
): Promise<Session> {
  if (!deps.triggers?.forge) {
    throw new BadInputError(
      'forge_not_configured',
      `${request.repo} is a forge repository, but this server has no forge: set DRYDOCK_GITHUB_TOKEN or a GitHub App (docs/triggers.md).`,
      { details: { fields: { repo: 'this server has no forge configured' } } },
    );
  }
  if (request.ref) {
    throw new BadInputError(
      'ref_not_supported',
      'Sessions on a forge repository start from its default branch; leave out ref.',
      { details: { fields: { ref: 'forge repositories start from their default branch' } } },
    );
  }
  return startWork(triggerDeps(deps, deps.triggers), {
    repo: request.repo,
    task: request.task,
    model: request.model,
    requester: request.createdBy.id,
    createdBy: request.createdBy,
  });
}
