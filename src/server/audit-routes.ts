import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { AUDIT_OUTCOMES, type AuditPosition } from '../core/audit.ts';
import { BadInputError } from '../core/errors.ts';
import { errorResponses, jsonResponse } from './api-schemas.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';

const jsonValue: z.ZodType = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string().meta({ description: 'ISO 8601' }),
    actor: z.object({
      id: z.string().meta({
        description:
          '`token:<id>`, `github:<login>`, `slack:<user>`, `hook:<name>`, `schedule:<name>`, `cli:<os user>`, `anonymous`',
      }),
      name: z.string(),
    }),
    action: z
      .string()
      .meta({ description: '`session.created`, `token.created`, `trigger.refused`, … (docs/audit.md)' }),
    target: z.string().nullable(),
    details: z
      .record(z.string(), z.unknown())
      .meta({ description: 'Names and counts; never a secret value' }),
    outcome: z.enum(AUDIT_OUTCOMES),
  })
  .meta({ id: 'AuditEntry' });

const isoTime = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

export const auditQuery = z.object({
  actor: z.string().min(1).max(200).optional().meta({ description: "An actor's id or name, exactly" }),
  action: z.string().min(1).max(80).optional().meta({ description: 'An action, or a prefix: `session.*`' }),
  target: z.string().min(1).max(200).optional(),
  from: isoTime.optional().meta({ description: 'ISO 8601, inclusive' }),
  to: isoTime.optional().meta({ description: 'ISO 8601, exclusive' }),
  cursor: z.string().max(400).optional().meta({ description: 'The `next` of the previous page' }),
  limit: z.coerce.number().int().min(1).max(500).optional().meta({ description: 'Default 50' }),
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'The audit log (admin): who did what, newest first, a page at a time',
  description:
    'Every mutating API request, MCP tool call that acts, admin command of the local CLI and trigger delivery (accepted or refused). `next` is the cursor of the following page, null on the last.',
  middleware: [requireRole('admin')] as const,
  request: { query: auditQuery },
  responses: {
    200: jsonResponse(
      z.object({ entries: z.array(auditEntrySchema), next: z.string().nullable() }),
      'A page of entries',
    ),
    ...errorResponses(400, 401, 403),
  },
});

/** `/api/audit`: admins read the audit log (docs/audit.md). */
export function auditRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store } = deps.sessions;
  const app = createOpenApiApp();
  app.openapi(
    listRoute,
    async (c) => {
      const { cursor, limit = 50, from, to, ...filter } = c.req.valid('query');
      const before = cursor === undefined ? undefined : decodeAuditCursor(cursor);
      if (before === null) {
        throw new BadInputError(
          'invalid_cursor',
          'The cursor is not one this API gave out; start again without it.',
        );
      }
      // One more than the page, to know whether another follows.
      const entries = await store.listAudit({
        ...filter,
        ...(from ? { from: new Date(from).toISOString() } : {}),
        ...(to ? { to: new Date(to).toISOString() } : {}),
        ...(before ? { before } : {}),
        limit: limit + 1,
      });
      const page = entries.slice(0, limit);
      const last = page.at(-1);
      const next = entries.length > limit && last ? encodeAuditCursor(last) : null;
      return c.json({ entries: page, next }, 200);
    },
    rejectInvalid('audit query'),
  );
  return app;
}

/** A page cursor for the entry at `position`: opaque to clients. Pure. */
export function encodeAuditCursor(position: AuditPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id]), 'utf8').toString('base64url');
}

/** The position a cursor from encodeAuditCursor names, or null when it is not one. Pure. */
export function decodeAuditCursor(cursor: string): AuditPosition | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [at, id] = parsed;
    return typeof at === 'string' && typeof id === 'string' ? { at, id } : null;
  } catch {
    return null;
  }
}
