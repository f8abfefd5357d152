import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { BadInputError, NotFoundError } from '../core/errors.ts';
import { PLAYBOOK_CHECKS, PLAYBOOK_NAME, type PlaybookEntry, parsePlaybook } from '../core/playbook.ts';
import type { RegisteredRepo } from '../core/ports/store.ts';
import { resolveLocalRepository } from '../forge/local-repository.ts';
import { listPlaybooks, type PlaybookListing, unknownPlaybook } from '../sessions/playbooks.ts';
import { requireRegisteredRepo } from '../sessions/registered-repos.ts';
import { cloneDir } from '../triggers/start-work.ts';
import { emptyResponse, errorResponses, jsonBody, jsonResponse } from './api-schemas.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';

export const MAX_PLAYBOOK_CHARS = 50_000;

export const playbookSchema = z
  .object({
    name: z.string(),
    source: z.enum(['repo', 'server']).meta({
      description:
        "Where it came from: the repository's `.drydock/playbooks/<name>.md` wins over the server's",
    }),
    description: z.string(),
    inputs: z.record(
      z.string(),
      z.object({ description: z.string(), required: z.boolean(), default: z.string().optional() }),
    ),
    model: z.string().optional(),
    attempts: z.number().int().optional(),
    checks: z.array(z.enum(PLAYBOOK_CHECKS)).optional(),
    body: z.string().meta({ description: 'The steps, markdown, with `{{input}}` placeholders' }),
  })
  .meta({ id: 'Playbook' });

const brokenSchema = z
  .object({ name: z.string(), source: z.enum(['repo', 'server']), error: z.string() })
  .meta({ id: 'BrokenPlaybook' });

const listingSchema = z.object({
  playbooks: z.array(playbookSchema),
  broken: z.array(brokenSchema).meta({ description: 'Playbooks whose file does not parse, with the error' }),
});

const repoQuery = z.object({
  repo: z.string().trim().min(1).optional().meta({
    description:
      "A registered repository (id, path or owner/name): its playbooks too, else the server's only",
  }),
});

const nameParams = z.object({ name: z.string().regex(PLAYBOOK_NAME) });

const putBody = z
  .object({
    text: z.string().min(1).max(MAX_PLAYBOOK_CHARS).meta({
      description:
        'The playbook file: YAML front matter between `---` lines, then the steps (docs/playbooks.md)',
    }),
  })
  .strict();

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: "List the playbooks a session can run: the server's, and a repository's (member)",
  middleware: [requireRole('member')] as const,
  request: { query: repoQuery },
  responses: {
    200: jsonResponse(listingSchema, 'Playbooks by name'),
    ...errorResponses(400, 401, 403),
  },
});

const showRoute = createRoute({
  method: 'get',
  path: '/{name}',
  summary: 'One playbook, as a session would run it (member)',
  middleware: [requireRole('member')] as const,
  request: { params: nameParams, query: repoQuery },
  responses: { 200: jsonResponse(playbookSchema, 'The playbook'), ...errorResponses(400, 401, 403, 404) },
});

const putRoute = createRoute({
  method: 'put',
  path: '/{name}',
  summary: 'Create or replace a server-side playbook (admin)',
  description: "A repository's playbook of the same name still wins for sessions on that repository.",
  middleware: [requireRole('admin'), requireJson] as const,
  request: { params: nameParams, body: jsonBody(putBody) },
  responses: { 200: jsonResponse(playbookSchema, 'As stored'), ...errorResponses(400, 401, 403, 413) },
});

const removeRoute = createRoute({
  method: 'delete',
  path: '/{name}',
  summary: 'Remove a server-side playbook (admin)',
  middleware: [requireRole('admin')] as const,
  request: { params: nameParams },
  responses: { 204: emptyResponse('Removed'), ...errorResponses(401, 403, 404) },
});

/** `/api/playbooks` (docs/playbooks.md): members read them; admins manage the server's own. */
export function playbookRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store } = deps.sessions;
  const app = createOpenApiApp();

  app.openapi(
    listRoute,
    async (c) => c.json(await serverListing(deps, c.req.valid('query').repo), 200),
    rejectInvalid('playbook query'),
  );

  app.openapi(
    showRoute,
    async (c) => {
      const { name } = c.req.valid('param');
      const listing = await serverListing(deps, c.req.valid('query').repo);
      const found = listing.playbooks.find((playbook) => playbook.name === name);
      if (found) return c.json(found, 200);
      const broken = listing.broken.find((playbook) => playbook.name === name);
      if (broken) throw new BadInputError('invalid_playbook', broken.error);
      throw new NotFoundError('playbook_not_found', unknownPlaybook(name, listing).message);
    },
    rejectInvalid('playbook query'),
  );

  app.openapi(
    putRoute,
    async (c) => {
      const { name } = c.req.valid('param');
      const { text } = c.req.valid('json');
      const parsed = parsePlaybook(name, text, `playbook ${name}`);
      await store.putPlaybook({ name, text, updatedBy: c.get('token').name });
      return c.json({ ...parsed, source: 'server' as const } satisfies PlaybookEntry, 200);
    },
    rejectInvalid('playbook'),
  );

  app.openapi(removeRoute, async (c) => {
    const { name } = c.req.valid('param');
    if (!(await store.deletePlaybook(name))) {
      throw new NotFoundError(
        'playbook_not_found',
        `No server playbook ${name}; GET /api/playbooks lists them.`,
      );
    }
    return c.body(null, 204);
  });

  return app;
}

/** The listing for a registered repository (see playbookRepoOf), or the server's alone. */
async function serverListing(deps: ServerDeps, repo: string | undefined): Promise<PlaybookListing> {
  const { store } = deps.sessions;
  if (repo === undefined) return listPlaybooks(store, null);
  const registered = await requireRegisteredRepo(store, repo);
  return listPlaybooks(store, await playbookRepoOf(deps, registered));
}

/**
 * Where a registered repository's playbooks are read: a local one at `ref` (default HEAD), a forge one
 * at its clone's HEAD (the control plane's clone; null before a session made one: the server's only).
 */
export async function playbookRepoOf(
  deps: Pick<ServerDeps, 'sessions'>,
  registered: RegisteredRepo,
  ref?: string,
): Promise<{ path: string; commit: string } | null> {
  if (registered.kind === 'local') {
    const resolved = await resolveLocalRepository(registered.repo, ref || 'HEAD');
    return { path: resolved.path, commit: resolved.commit };
  }
  const clone = join(deps.sessions.home, 'repos', ...cloneDir(registered.repo));
  if (!existsSync(clone)) return null;
  const resolved = await resolveLocalRepository(clone, 'HEAD');
  return { path: resolved.path, commit: resolved.commit };
}
