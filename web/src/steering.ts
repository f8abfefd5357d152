import type { Me, Session } from './types.ts';

/**
 * Whether the signed-in token may cancel `session` or send it follow-ups, as the server decides it
 * (src/server/session-access.ts): admins any session, members those they started, viewers none. While
 * the token is not known yet, the controls stay (the server still has the last word). Pure.
 */
export function canSteer(me: Me | null, session: Pick<Session, 'createdBy'>): boolean {
  if (me === null) return true;
  if (me.role === 'admin') return true;
  if (me.role !== 'member') return false;
  return session.createdBy?.id === me.creator;
}
