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

/** Throws ForbiddenError `not_session_owner` unless `token` may steer `session`. */
export function requireSteering(token: ApiToken, session: Pick<Session, 'id' | 'createdBy'>): void {
  if (maySteer(token, session)) return;
  throw new ForbiddenError(
    NOT_SESSION_OWNER,
    `Session ${session.id} was started by ${session.createdBy ? `"${session.createdBy.name}"` : 'someone else'}, not by token "${token.name}": a member cancels and messages only its own sessions; ask its creator or an admin.`,
  );
}
