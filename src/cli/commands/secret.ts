import { type AuditSink, recordAudit } from '../../core/audit.ts';
import { BadInputError } from '../../core/errors.ts';
import { GLOBAL_SCOPE } from '../../core/ports/store.ts';
import type { SecretVault } from '../../environments/secret-vault.ts';
import { resolveLocalRepository } from '../../forge/local-repository.ts';
import { localOperator } from '../../sessions/local-operator.ts';

type Write = (text: string) => void;

/** The scope a `--repo` flag names: the repository as sessions name it (its absolute path), else global. */
export async function secretScope(repoArg: string | undefined): Promise<string> {
  return repoArg ? (await resolveLocalRepository(repoArg, 'HEAD')).path : GLOBAL_SCOPE;
}

/** Reads a secret's value from a stream (stdin): everything, less one trailing newline. */
export async function readSecretValue(input: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `drydock secret set NAME [--repo <repo>]`, the value from stdin; the audit log gets its name, never its value. */
export async function secretSet(
  vault: SecretVault,
  audit: AuditSink,
  name: string,
  repoArg: string | undefined,
  input: AsyncIterable<Buffer | string>,
  write: Write,
): Promise<void> {
  const scope = await secretScope(repoArg);
  await vault.set(scope, name, await readSecretValue(input));
  await recordAudit(audit, {
    actor: localOperator(),
    action: 'secret.set',
    target: `${scope}/${name}`,
    details: { name, scope },
  });
  write(
    `secret ${name} set for ${scope === GLOBAL_SCOPE ? 'every repository' : scope} (encrypted at rest). ` +
      'Setup sees it unless .drydock/config.yaml names other secrets; start and agent only where declared.\n',
  );
}

/** `drydock secret list [--repo <repo>]`: names and scopes, never values. */
export async function secretList(
  vault: SecretVault,
  repoArg: string | undefined,
  write: Write,
): Promise<void> {
  const secrets = await vault.list(repoArg ? await secretScope(repoArg) : undefined);
  if (secrets.length === 0) {
    write('no secrets: echo -n VALUE | drydock secret set NAME [--repo <repo>]\n');
    return;
  }
  for (const secret of secrets) {
    write(
      `${secret.name}  ${secret.scope === GLOBAL_SCOPE ? '(every repository)' : secret.scope}  updated ${secret.updatedAt}\n`,
    );
  }
}

/** `drydock secret rm NAME [--repo <repo>]`. */
export async function secretRemove(
  vault: SecretVault,
  audit: AuditSink,
  name: string,
  repoArg: string | undefined,
  write: Write,
): Promise<void> {
  const scope = await secretScope(repoArg);
  if (!(await vault.remove(scope, name))) {
    throw new BadInputError(
      'secret_not_found',
      `No secret ${name} for ${scope === GLOBAL_SCOPE ? 'every repository' : scope}. List them with: drydock secret list`,
    );
  }
  await recordAudit(audit, {
    actor: localOperator(),
    action: 'secret.removed',
    target: `${scope}/${name}`,
    details: { name, scope },
  });
  write(`removed secret ${name}\n`);
}
