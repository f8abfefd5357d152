import { recordAudit } from '../../core/audit.ts';
import { BadInputError } from '../../core/errors.ts';
import { type Store, TOKEN_ROLES, type TokenRole } from '../../core/ports/store.ts';
import { generateTokenSecret, hashToken } from '../../server/tokens.ts';
import { localOperator } from '../../sessions/local-operator.ts';

/** `drydock token create`: a new API token in this machine's store; prints the secret once. */
export async function createTokenCommand(
  store: Store,
  role: string,
  name: string | undefined,
): Promise<string> {
  const known = TOKEN_ROLES.find((candidate) => candidate === role);
  if (!known) {
    throw new BadInputError(
      'invalid_role',
      `--role must be one of ${TOKEN_ROLES.join(', ')}; got "${role}".`,
    );
  }
  const secret = generateTokenSecret();
  const token = await store.createToken({
    name: name?.trim() || `${known} token`,
    role: known as TokenRole,
    tokenHash: hashToken(secret),
  });
  await recordAudit(store, {
    actor: localOperator(),
    action: 'token.created',
    target: token.id,
    details: { name: token.name, role: token.role, via: 'cli' },
  });
  return `${secret}\n(token ${token.id}, "${token.name}", role ${token.role}; shown once, drydock keeps only its hash)\n`;
}
