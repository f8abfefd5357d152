import type { Store } from '../core/ports/store.ts';
import { generateTokenSecret, hashToken } from './tokens.ts';

/**
 * Makes sure an admin can get in. With `DRYDOCK_ADMIN_TOKEN` set, that secret is registered (once) as
 * an admin token. Otherwise, when no admin token exists yet (a first start), one is generated and
 * returned so the caller prints it once; only its hash is stored. Returns null when nothing is new.
 */
export async function ensureAdminToken(
  store: Store,
  envSecret: string | undefined,
): Promise<{ secret: string; generated: boolean } | null> {
  const secret = envSecret?.trim();
  if (secret) {
    if (await store.findTokenByHash(hashToken(secret))) return null;
    await store.createToken({
      name: 'admin (DRYDOCK_ADMIN_TOKEN)',
      role: 'admin',
      tokenHash: hashToken(secret),
    });
    return { secret, generated: false };
  }
  if ((await store.listTokens()).some((token) => token.role === 'admin')) return null;
  const generated = generateTokenSecret();
  await store.createToken({ name: 'admin', role: 'admin', tokenHash: hashToken(generated) });
  return { secret: generated, generated: true };
}
