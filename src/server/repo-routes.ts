import { Hono } from 'hono';
import { NotFoundError } from '../core/errors.ts';
import { registerRepo } from '../sessions/registered-repos.ts';
import { requireRole } from './auth.ts';
import { readJsonBody } from './read-json-body.ts';
import { parseInput, registerRepoBody } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';

/**
 * `/api/repos`: the repositories sessions may run on. Everyone lists them (members pick one for a task);
 * admins register and remove them.
 */
export function repoRoutes(deps: ServerDeps): Hono<AppEnv> {
  const { store, home } = deps.sessions;
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => c.json({ repos: await store.listRepos() }));

  app.post('/', requireRole('admin'), async (c) => {
    const body = parseInput(registerRepoBody, await readJsonBody(c), 'repository');
    const repo = await registerRepo({ store, home }, body.repo, c.get('token').name);
    return c.json(repo, 201);
  });

  app.delete('/:id', requireRole('admin'), async (c) => {
    if (!(await store.deleteRepo(c.req.param('id')))) {
      throw new NotFoundError(
        'registered_repo_not_found',
        `No registered repository ${c.req.param('id')}; list them with GET /api/repos.`,
      );
    }
    return c.body(null, 204);
  });

  return app;
}
