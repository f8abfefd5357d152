import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { BadInputError, NotFoundError } from '../core/errors.ts';
import { parseForgeRepo } from '../core/forge-repo.ts';
import { tryGit } from '../forge/git.ts';
import { registerRepo } from '../sessions/registered-repos.ts';
import {
  emptyResponse,
  errorResponses,
  idParams,
  jsonBody,
  jsonResponse,
  registeredRepoSchema,
} from './api-schemas.ts';
import { noteAudit } from './audit-middleware.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { registerRepoBody, rejectInvalid, updateRepoBody } from './schemas.ts';
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

const branchesRoute = createRoute({
  method: 'get',
  path: '/{id}/branches',
  summary: "A registered repository's branches, to start a session from (any role)",
  description:
    'Local repositories: their branches, at most 500, the checked-out one first as `head`. Forge repositories: none (their sessions start from the default branch, and take no ref).',
  request: { params: idParams },
  responses: {
    200: jsonResponse(
      z.object({ branches: z.array(z.string()), head: z.string().nullable() }),
      'Branch names',
    ),
    ...errorResponses(401, 404),
  },
});

const updateRoute = createRoute({
  method: 'patch',
  path: '/{id}',
  summary: "Change a registered repository's settings (admin)",
  description:
    '`review.pullRequests`: drydock reviews the pull requests (GitLab: merge requests) opened or updated on this forge repository (docs/review.md); off by default. An `@drydock review` comment asks for a review whatever this says.',
  middleware: [requireRole('admin'), requireJson] as const,
  request: { params: idParams, body: jsonBody(updateRepoBody) },
  responses: {
    200: jsonResponse(registeredRepoSchema, 'The registration as it now is'),
    ...errorResponses(400, 401, 403, 404, 413),
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

  app.openapi(branchesRoute, async (c) => {
    const repo = await store.getRepo(c.req.valid('param').id);
    if (!repo) throw notRegistered(c.req.valid('param').id);
    return c.json(repo.kind === 'forge' ? { branches: [], head: null } : await localBranches(repo.repo), 200);
  });

  app.openapi(
    registerRoute,
    async (c) => {
      const repo = await registerRepo({ store, home }, c.req.valid('json').repo, c.get('token').name);
      noteAudit(c, {
        action: 'repo.created',
        target: repo.id,
        details: { repo: repo.repo, kind: repo.kind },
      });
      return c.json(repo, 201);
    },
    rejectInvalid('repository'),
  );

  app.openapi(
    updateRoute,
    async (c) => {
      const { id } = c.req.valid('param');
      const update = c.req.valid('json');
      const repo = await store.getRepo(id);
      if (!repo) throw notRegistered(id);
      if (update.review?.pullRequests === true && repo.kind !== 'forge') {
        throw new BadInputError(
          'review_needs_forge_repo',
          'Only a forge repository (owner/name, gitlab:group/project) has pull requests to review; review a local change with drydock review or POST /api/reviews.',
          { details: { fields: { 'review.pullRequests': 'only for a forge repository' } } },
        );
      }
      const kind = parseForgeRepo(repo.repo)?.kind;
      if (update.review?.pullRequests === true && (kind === 'gitea' || kind === 'bitbucket')) {
        // The Gitea and Bitbucket forges have no review bot: turned on, it would never post a review.
        throw new BadInputError(
          'forge_review_not_supported',
          `drydock does not review ${kind === 'gitea' ? 'Gitea or Forgejo' : 'Bitbucket'} pull requests yet; it reviews GitHub pull requests and local changes (drydock review).`,
          {
            details: {
              fields: { 'review.pullRequests': `not on ${kind === 'gitea' ? 'Gitea' : 'Bitbucket'} yet` },
            },
          },
        );
      }
      const updated = await store.updateRepo(id, update);
      if (!updated) throw notRegistered(id);
      noteAudit(c, { action: 'repo.changed', details: { repo: updated.repo, review: updated.review } });
      return c.json(updated, 200);
    },
    rejectInvalid('repository'),
  );

  app.openapi(removeRoute, async (c) => {
    const { id } = c.req.valid('param');
    const repo = await store.getRepo(id);
    if (!(await store.deleteRepo(id))) throw notRegistered(id);
    noteAudit(c, { action: 'repo.removed', details: { repo: repo?.repo ?? null } });
    return c.body(null, 204);
  });

  return app;
}

function notRegistered(id: string): NotFoundError {
  return new NotFoundError(
    'registered_repo_not_found',
    `No registered repository ${id}; list them with GET /api/repos.`,
  );
}

const MAX_BRANCHES = 500;

/** A local repository's branch names, newest commit first, and the checked-out one (null when detached). */
async function localBranches(path: string): Promise<{ branches: string[]; head: string | null }> {
  const listed = await tryGit(
    [
      'for-each-ref',
      '--sort=-committerdate',
      `--count=${MAX_BRANCHES}`,
      '--format=%(refname:short)',
      'refs/heads',
    ],
    { cwd: path, timeoutMs: 10_000 },
  );
  const head =
    (
      await tryGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: path, timeoutMs: 10_000 })
    )?.trim() || null;
  const branches = (listed ?? '').split('\n').filter((name) => name !== '');
  return {
    branches: head && branches.includes(head) ? [head, ...branches.filter((b) => b !== head)] : branches,
    head,
  };
}
