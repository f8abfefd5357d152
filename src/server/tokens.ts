import { createHash, randomBytes } from 'node:crypto';
import type { TokenRole } from '../core/ports/store.ts';

/** Bearer secrets start with this, so they are easy to recognise (and to scan for in leaks). */
export const TOKEN_PREFIX = 'dd_';

/** A new bearer secret: 32 random bytes. */
export function generateTokenSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What the store keeps instead of the secret. Pure. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const RANK: Record<TokenRole, number> = { viewer: 0, member: 1, admin: 2 };

/** Whether a token of role `has` may do what needs role `needs`. Pure. */
export function roleAllows(has: TokenRole, needs: TokenRole): boolean {
  return RANK[has] >= RANK[needs];
}
