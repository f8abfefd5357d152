import { ForbiddenError } from '../core/errors.ts';
import type { ApiToken } from '../core/ports/store.ts';
import type { Session, SessionCreator } from '../core/session.ts';
import { roleAllows } from './tokens.ts';

/** The code of the ForbiddenError for a member steering a session another token (or a trigger) started. */
export const NOT_SESSION_OWNER = 'not_session_owner';

/** What a session started with `token` records as its creator. Pure. */
export function tokenCreator(token: ApiToken): SessionCreator {
  return { id: `token:${token.id}`, name: token.name };
}

/**
 * Whether `token` may steer `session` (cancel it, send it a follow-up). Pure. Admins steer any session,
 * members only those their own token started, viewers none.
 */
export function maySteer(token: ApiToken, session: Pick<Session, 'createdBy'>): boolean {
  if (roleAllows(token.role, 'admin')) return true;
  if (!roleAllows(token.role, 'member')) return false;
  return session.createdBy?.id === tokenCreator(token).id;
}

/** The code of the ForbiddenError for a member changing a schedule or Slack channel another token configured. */
export const NOT_TRIGGER_OWNER = 'not_trigger_owner';

/**
 * Throws ForbiddenError `not_trigger_owner` unless `token` may change or remove what `createdBy`
 * configured (a schedule, a Slack channel): the same rule as for sessions.
 */
export function requireTriggerOwner(
  token: ApiToken,
  what: string,
  createdBy: SessionCreator | undefined,
): void {
  if (maySteer(token, createdBy === undefined ? {} : { createdBy })) return;
  throw new ForbiddenError(
    NOT_TRIGGER_OWNER,
    `${what} was configured by ${createdBy ? `"${createdBy.name}"` : 'someone else'}, not by token "${token.name}": a member changes and removes only what it configured; ask its creator or an admin.`,
  );
}

/** Throws ForbiddenError `not_session_owner` unless `token` may steer `session`. */
export function requireSteering(token: ApiToken, session: Pick<Session, 'id' | 'createdBy'>): void {
  if (maySteer(token, session)) return;
  throw new ForbiddenError(
    NOT_SESSION_OWNER,
    `Session ${session.id} was started by ${session.createdBy ? `"${session.createdBy.name}"` : 'someone else'}, not by token "${token.name}": a member cancels and messages only its own sessions; ask its creator or an admin.`,
  );
}
