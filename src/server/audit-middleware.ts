import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import {
  ANONYMOUS_ACTOR,
  type AuditActor,
  type AuditSink,
  outcomeOfStatus,
  recordAudit,
} from '../core/audit.ts';
import { RESERVED_HOOK_NAMES } from '../triggers/hook-config.ts';
import { recordDelivery } from '../triggers/record-delivery.ts';
import type { Logger } from './logger.ts';
import type { AppEnv } from './server-deps.ts';
import { tokenCreator } from './session-access.ts';

/** What a route adds to its request's audit entry: a domain action, what it acted on, a few details. */
export interface AuditNote {
  action?: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

// Keyed by the request's context, so routes note without a typed context variable of their own.
const notes = new WeakMap<Context, AuditNote>();

/**
 * Names the action a route performed (`token.created`) and what on, for the entry the audit middleware
 * writes when the request ends. Optional: a route that says nothing is still recorded, under a name
 * derived from its method and path. Later calls add to earlier ones.
 */
export function noteAudit(c: Context, note: AuditNote): void {
  const earlier = notes.get(c);
  notes.set(c, {
    ...earlier,
    ...note,
    ...(earlier?.details || note.details ? { details: { ...earlier?.details, ...note.details } } : {}),
  });
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Records every request that may change something (any method but GET, HEAD and OPTIONS) to a route
 * under `/api`, once it is answered: who (the token, or `anonymous` when authentication refused it),
 * the route's pattern, the status and the outcome, plus what the route noted (noteAudit). Mounted
 * before authentication, so refused requests are recorded too; requests no route matches are not.
 */
export function auditApi(sink: AuditSink, log: Logger): MiddlewareHandler<AppEnv> {
  const onError = (error: unknown) => log.error({ err: error }, 'writing the audit log failed');
  return async (c, next) => {
    if (READS.has(c.req.method)) return next();
    await next();
    const handler = matchedRoutes(c).findLast((route) => route.method !== 'ALL');
    if (!handler) return;
    const route = openApiPath(handler.path);
    const note = notes.get(c) ?? {};
    // Unset when authentication refused the request: hono's type says otherwise, so say what is known.
    const token = c.get('token') as AppEnv['Variables']['token'] | undefined;
    const actor: AuditActor = token ? tokenCreator(token) : ANONYMOUS_ACTOR;
    const status = c.res.status;
    await recordAudit(
      sink,
      {
        actor,
        action: note.action ?? defaultAuditAction(c.req.method, route),
        target: note.target !== undefined ? note.target : lastParam(handler.path, c.req.path),
        details: {
          method: c.req.method,
          route,
          status,
          ...(status >= 400 ? { error: await errorCode(c.res) } : {}),
          ...note.details,
        },
        outcome: outcomeOfStatus(status),
      },
      onError,
    );
  };
}

/**
 * Records webhook deliveries refused before a trigger acted on them (a signature that did not verify, an
 * unknown hook, a disabled integration, a body that is not JSON) as `trigger.refused`: triggers record
 * what they answer themselves (recordDelivery), and a 500 is a failure the trigger recorded as it threw.
 * The sender is unverified, so the actor is `anonymous`.
 */
/** The webhooks served by their own routes (the rest are signed hooks named by an admin). */
const OWN_WEBHOOKS: ReadonlySet<string> = new Set(RESERVED_HOOK_NAMES);

export function auditWebhookRefusals(sink: AuditSink, log: Logger): MiddlewareHandler {
  const onError = (error: unknown) => log.error({ err: error }, 'writing the audit log failed');
  return async (c, next) => {
    await next();
    const status = c.res.status;
    if (status < 400 || status === 500) return;
    const name = c.req.path.replace(/^\/webhooks\/?/, '');
    const source = OWN_WEBHOOKS.has(name) ? name : name === '' ? 'webhook' : `hook:${name}`;
    const code = await errorCode(c.res);
    await recordDelivery(
      sink,
      {
        source,
        deliveryId:
          c.req.header('x-github-delivery') ??
          c.req.header('x-gitlab-event-uuid') ??
          c.req.header('x-forgejo-delivery') ??
          c.req.header('x-gitea-delivery') ??
          c.req.header('x-request-uuid') ??
          c.req.header('linear-delivery') ??
          c.req.header('x-atlassian-webhook-identifier') ??
          c.req.header('idempotency-key') ??
          c.req.header('request-id') ??
          null,
        actor: ANONYMOUS_ACTOR,
        outcome: `refused: ${code ?? `HTTP ${status}`}`,
        details: { status },
      },
      onError,
    );
  };
}

/** `/api/sessions/:id` as OpenAPI spells it: `/api/sessions/{id}`. Pure. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '');
}

/**
 * The action of a route no one named: its literal path segments, singular, then what the method did
 * (`POST /api/limits` → `limit.created`, `DELETE /api/hooks/{id}` → `hook.removed`); a last segment
 * after an id that is a verb, not a collection, is the action (`POST /api/schedules/{id}/run` →
 * `schedule.run`). Pure.
 */
export function defaultAuditAction(method: string, route: string): string {
  const segments = route
    .replace(/^\/api\/?/, '')
    .split('/')
    .filter(Boolean);
  const literals = segments.filter((segment) => !segment.startsWith('{'));
  const last = segments.at(-1);
  const beforeLast = segments.at(-2);
  if (last && beforeLast?.startsWith('{') && !last.startsWith('{') && !last.endsWith('s')) {
    return [...literals.slice(0, -1).map(singular), last].join('.');
  }
  const verb = method === 'POST' ? 'created' : method === 'DELETE' ? 'removed' : 'changed';
  return [...literals.map(singular), verb].join('.');
}

function singular(segment: string): string {
  return segment.endsWith('s') && !segment.endsWith('ss') ? segment.slice(0, -1) : segment;
}

/** The value of the route's last parameter in `path` (the thing acted on), or null. Pure. */
export function lastParam(pattern: string, path: string): string | null {
  const names = pattern.split('/');
  const values = path.split('/');
  for (let index = names.length - 1; index >= 0; index--) {
    if (names[index]?.startsWith(':')) {
      const value = values[index];
      if (value === undefined) return null;
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return null;
}

/** The `error.code` of an error answer (error-response.ts), or null. */
async function errorCode(response: Response): Promise<string | null> {
  try {
    const body: unknown = await response.clone().json();
    if (typeof body !== 'object' || body === null || !('error' in body)) return null;
    const { error } = body;
    return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : null;
  } catch {
    return null;
  }
}
