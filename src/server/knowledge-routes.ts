import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.ts';
import {
  KNOWLEDGE_KINDS,
  KNOWLEDGE_STATUSES,
  type KnowledgeItem,
  MANUAL_SOURCE,
  MAX_KNOWLEDGE_BODY_CHARS,
  MAX_KNOWLEDGE_TITLE_CHARS,
} from '../core/knowledge.ts';
import type { Store } from '../core/ports/store.ts';
import { emptyResponse, errorResponses, idParams, jsonBody, jsonResponse } from './api-schemas.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';

const kindSchema = z.enum(KNOWLEDGE_KINDS);
const statusSchema = z.enum(KNOWLEDGE_STATUSES);
const pathsSchema = z.array(z.string().trim().min(1).max(1_000)).max(50);

export const knowledgeItemSchema = z
  .object({
    id: z.string(),
    repo: z.string().meta({ description: 'The repository, as sessions name it (a path or owner/name)' }),
    title: z.string(),
    body: z.string().meta({ description: 'Markdown, short' }),
    kind: kindSchema,
    files: z.array(z.string()).meta({ description: 'Paths in the repository it concerns' }),
    status: statusSchema,
    source: z.string().meta({ description: 'The session that proposed it, or `manual`' }),
    proposedAt: z.string(),
    decidedBy: z.string().nullable().meta({ description: 'The token name that approved or rejected it' }),
    decidedAt: z.string().nullable(),
    updatedAt: z.string(),
    staleFiles: z
      .array(z.string())
      .nullable()
      .meta({ description: 'Files a session found missing at its base commit: not retrieved until edited' }),
  })
  .meta({ id: 'KnowledgeItem' });

const listQuery = z.object({ repo: z.string().optional(), status: statusSchema.optional() });

const addBody = z
  .object({
    repo: z.string().trim().min(1),
    title: z.string().trim().min(1).max(MAX_KNOWLEDGE_TITLE_CHARS),
    body: z.string().trim().min(1).max(MAX_KNOWLEDGE_BODY_CHARS),
    kind: kindSchema.default('other'),
    files: pathsSchema.default([]),
  })
  .strict();

const editBody = z
  .object({
    title: z.string().trim().min(1).max(MAX_KNOWLEDGE_TITLE_CHARS).optional(),
    body: z.string().trim().min(1).max(MAX_KNOWLEDGE_BODY_CHARS).optional(),
    kind: kindSchema.optional(),
    files: pathsSchema.optional(),
  })
  .strict();

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'List repository knowledge, oldest first (member)',
  description: 'Filter by `repo` (exactly as sessions name it) and `status` (pending, approved, rejected).',
  middleware: [requireRole('member')] as const,
  request: { query: listQuery },
  responses: {
    200: jsonResponse(z.object({ items: z.array(knowledgeItemSchema) }), 'Knowledge items'),
    ...errorResponses(400, 401, 403),
  },
});

const showRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One knowledge item (member)',
  middleware: [requireRole('member')] as const,
  request: { params: idParams },
  responses: { 200: jsonResponse(knowledgeItemSchema, 'The item'), ...errorResponses(401, 403, 404) },
});

const addRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Add a knowledge item by hand (admin): approved at once, by the caller',
  middleware: [requireRole('admin'), requireJson] as const,
  request: { body: jsonBody(addBody) },
  responses: { 201: jsonResponse(knowledgeItemSchema, 'Added'), ...errorResponses(400, 401, 403, 413) },
});

const editRoute = createRoute({
  method: 'patch',
  path: '/{id}',
  summary: "Edit a knowledge item's title, body, kind or files (admin); new files clear its stale flag",
  middleware: [requireRole('admin'), requireJson] as const,
  request: { params: idParams, body: jsonBody(editBody) },
  responses: {
    200: jsonResponse(knowledgeItemSchema, 'The item as it now is'),
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

function decisionRoute(status: 'approved' | 'rejected', verb: 'approve' | 'reject') {
  return createRoute({
    method: 'post',
    path: `/{id}/${verb}`,
    summary: `${verb === 'approve' ? 'Approve' : 'Reject'} a knowledge item (admin), recording who decided`,
    description:
      status === 'approved'
        ? 'Approved items are retrieved into later sessions by relevance (docs/knowledge.md).'
        : 'Rejected items are kept, so the same proposal is not made again.',
    middleware: [requireRole('admin')] as const,
    request: { params: idParams },
    responses: {
      200: jsonResponse(knowledgeItemSchema, 'The item as it now is'),
      ...errorResponses(401, 403, 404),
    },
  });
}

const removeRoute = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Remove a knowledge item (admin)',
  middleware: [requireRole('admin')] as const,
  request: { params: idParams },
  responses: { 204: emptyResponse('Removed'), ...errorResponses(401, 403, 404) },
});

/**
 * `/api/knowledge` (docs/knowledge.md): what sessions proposed about their repositories and people
 * approved. Members read it; admins curate it.
 */
export function knowledgeRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store } = deps.sessions;
  const app = createOpenApiApp();

  app.openapi(
    listRoute,
    async (c) => c.json({ items: await store.listKnowledge(c.req.valid('query')) }, 200),
    rejectInvalid('knowledge filter'),
  );

  app.openapi(showRoute, async (c) => c.json(await found(store, c.req.valid('param').id), 200));

  app.openapi(
    addRoute,
    async (c) => {
      const body = c.req.valid('json');
      const item = await store.createKnowledge({
        ...body,
        source: MANUAL_SOURCE,
        status: 'approved',
        decidedBy: c.get('token').name,
      });
      return c.json(item, 201);
    },
    rejectInvalid('knowledge item'),
  );

  app.openapi(
    editRoute,
    async (c) => {
      const { id } = c.req.valid('param');
      const updated = await store.updateKnowledge(id, c.req.valid('json'));
      if (!updated) throw notFound(id);
      return c.json(updated, 200);
    },
    rejectInvalid('knowledge item'),
  );

  for (const [status, verb] of [
    ['approved', 'approve'],
    ['rejected', 'reject'],
  ] as const) {
    app.openapi(decisionRoute(status, verb), async (c) => {
      const { id } = c.req.valid('param');
      const updated = await store.updateKnowledge(id, { decision: { status, by: c.get('token').name } });
      if (!updated) throw notFound(id);
      return c.json(updated, 200);
    });
  }

  app.openapi(removeRoute, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await store.deleteKnowledge(id))) throw notFound(id);
    return c.body(null, 204);
  });

  return app;
}

async function found(store: Store, id: string): Promise<KnowledgeItem> {
  const item = await store.getKnowledge(id);
  if (!item) throw notFound(id);
  return item;
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(
    'knowledge_not_found',
    `No knowledge item ${id}; list them with GET /api/knowledge.`,
  );
}
