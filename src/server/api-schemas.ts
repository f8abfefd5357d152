import { z } from 'zod';
import { TOKEN_ROLES } from '../core/ports/store.ts';
import { SESSION_KINDS } from '../core/session.ts';
import { SESSION_STATES } from '../core/session-state.ts';
import type { ErrorStatus } from './error-response.ts';

/**
 * What the API answers, as zod schemas: the routes declare them (`createRoute`), the handlers' answers are
 * type-checked against them, and /api/openapi.json is generated from them. `meta({ id })` makes a schema a
 * named component of the document.
 */

export const roleSchema = z.enum(TOKEN_ROLES).meta({ id: 'Role' });
export const sessionStateSchema = z.enum(SESSION_STATES).meta({ id: 'SessionState' });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable, e.g. invalid_input, role_too_low, session_not_found' }),
      message: z.string().meta({ description: 'What went wrong and what to do about it' }),
      fields: z
        .record(z.string(), z.string())
        .optional()
        .meta({ description: 'Per invalid field (zod paths joined with dots), its problem' }),
      details: z.record(z.string(), z.unknown()).optional().meta({
        description:
          'Structured detail a client acts on; spend_limit_reached: { limit: { scope, period, amountUsd }, spentUsd, resetsAt }',
      }),
    }),
  })
  .meta({ id: 'Error' });

/** A session's (or an eval instance's) token usage and cost. */
export const usageSchema = z.object({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costUsd: z.number().meta({ description: 'What the priced model calls cost; see costUnknown' }),
  cacheReadTokens: z
    .number()
    .int()
    .optional()
    .meta({ description: 'Of inputTokens: read from the prompt cache' }),
  cacheWriteTokens: z
    .number()
    .int()
    .optional()
    .meta({ description: 'Of inputTokens: written to the prompt cache' }),
  reasoningTokens: z.number().int().optional().meta({ description: 'Of outputTokens: reasoning' }),
  costUnknown: z.literal(true).optional().meta({
    description: 'Some model call had no known price: costUsd leaves it out (shown as unknown)',
  }),
});

export const sessionSchema = z
  .object({
    id: z.string(),
    state: sessionStateSchema,
    task: z.string(),
    kind: z.enum(SESSION_KINDS).optional().meta({
      description:
        'attempts (best of N), attempt (one of them), manager, child (a manager’s), review; absent: a plain session',
    }),
    parentId: z
      .string()
      .optional()
      .meta({ description: 'The attempts or manager session that runs this one (attempt and child kinds)' }),
    attemptModels: z
      .array(z.string())
      .optional()
      .meta({ description: "An attempts session's model specs, one per attempt" }),
    repo: z.string(),
    ref: z.string(),
    baseCommit: z.string().nullable(),
    headCommit: z.string().nullable(),
    branch: z.string().nullable(),
    model: z.string(),
    friendModel: z
      .string()
      .optional()
      .meta({ description: "The smart friend's provider:model, when the session has one" }),
    allowHosts: z
      .array(z.object({ host: z.string(), port: z.number().int().optional() }))
      .optional()
      .meta({
        description: "Hosts its agent may reach beyond the repository's policy (a rerun that allowed them)",
      }),
    steps: z.number().int(),
    usage: usageSchema,
    summary: z.string().nullable(),
    reason: z.string().nullable(),
    requestedBy: z.object({ name: z.string(), email: z.string() }).optional(),
    createdBy: z.object({ id: z.string(), name: z.string() }).optional().meta({
      description:
        'Who started it: token:<id> with the token name, or a trigger (github:<login>, slack:<user>, hook:<name>, schedule:<name>)',
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Session' });

export const artifactInfoSchema = z
  .object({ id: z.string(), name: z.string(), contentType: z.string(), createdAt: z.string() })
  .meta({ id: 'ArtifactInfo' });

export const sessionEventSchema = z
  .object({
    sessionId: z.string(),
    seq: z.number().int().min(1),
    at: z.string(),
    data: z.looseObject({ type: z.string() }).meta({ description: 'The event: its type and fields' }),
  })
  .meta({ id: 'SessionEvent' });

export const registeredRepoSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['local', 'forge']),
    repo: z.string().meta({ description: 'The real path on the server, or owner/name in lowercase' }),
    addedBy: z.string(),
    createdAt: z.string(),
    review: z.object({
      pullRequests: z
        .boolean()
        .meta({ description: 'drydock reviews the pull requests opened or updated on it (docs/review.md)' }),
    }),
  })
  .meta({ id: 'RegisteredRepo' });

export const tokenInfoSchema = z
  .object({ id: z.string(), name: z.string(), role: roleSchema, createdAt: z.string() })
  .meta({ id: 'TokenInfo' });

export const idParams = z.object({ id: z.string() });

/** A JSON response of `schema`. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** A response with no body. */
export function emptyResponse(description: string) {
  return { description };
}

/** A required JSON request body of `schema`. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}

const ERROR_DESCRIPTIONS: Record<Exclude<ErrorStatus, 500>, string> = {
  400: 'Bad input: code invalid_input with fields, invalid_json, or a code naming the problem',
  401: 'No token, or one this server does not know',
  403: 'The role is too low, or the session or trigger is another token’s',
  404: 'No such id',
  409: 'A conflict with the current state',
  413: 'The body is over the limit',
  415: 'The body is not of a media type the route reads',
  503: 'Not configured on this server',
};

/** The error answers a route can give, all `{ error: { code, message, fields? } }`. */
export function errorResponses<const S extends Exclude<ErrorStatus, 500>>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, jsonResponse(errorSchema, ERROR_DESCRIPTIONS[status])]),
  ) as Record<S, ReturnType<typeof jsonResponse<typeof errorSchema>>>;
}
