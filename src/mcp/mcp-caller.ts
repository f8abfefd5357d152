import type { ApiToken, TokenRole } from '../core/ports/store.ts';
import type { Session, SessionCreator } from '../core/session.ts';
import { requireTokenRole } from '../server/auth.ts';
import { requireSteering, tokenCreator } from '../server/session-access.ts';
import { localOperator } from '../sessions/local-operator.ts';

/**
 * Who is calling drydock's MCP tools: the bearer token of an HTTP request to `/mcp` (its roles apply as
 * on the REST API), or the local operator behind `drydock mcp` over stdio, who may do anything, as with
 * `drydock run`. A token's entry is replaced on every request of its MCP session, so the token read
 * last is the one checked.
 */
export type McpCaller = { kind: 'token'; token: ApiToken } | { kind: 'local' };

export const LOCAL_CALLER: McpCaller = { kind: 'local' };

/** Throws ForbiddenError `role_too_low` unless the caller has `role`: the REST API's rule. */
export function requireCallerRole(caller: McpCaller, role: TokenRole): void {
  if (caller.kind === 'token') requireTokenRole(caller.token, role);
}

/**
 * Throws ForbiddenError unless the caller may steer `session` (cancel it, send it a follow-up): admins and
 * the local operator any, members only their own, viewers none (session-access.ts).
 */
export function requireCallerSteering(caller: McpCaller, session: Pick<Session, 'id' | 'createdBy'>): void {
  if (caller.kind === 'local') return;
  requireTokenRole(caller.token, 'member');
  requireSteering(caller.token, session);
}

/**
 * Who the caller is in the audit log and on the events it causes: its token, or the operator at this
 * machine (`cli:<os user>`) behind `drydock mcp`.
 */
export function callerActor(caller: McpCaller): SessionCreator {
  return caller.kind === 'token' ? tokenCreator(caller.token) : localOperator();
}

/** What a session the caller starts records as its creator: its token, or nothing for the local operator. */
export function callerCreator(caller: McpCaller): SessionCreator | undefined {
  return caller.kind === 'token' ? tokenCreator(caller.token) : undefined;
}
