import { BadInputError } from '../core/errors.ts';
import { GLOBAL_SCOPE, type Store } from '../core/ports/store.ts';
import type { EnvironmentPlan } from './environment-plan.ts';
import type { NamedSecret } from './redactor.ts';
import type { SecretPhase } from './repo-config.ts';
import type { SecretBox } from './secret-box.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Secrets as drydock sees them: sealed in the store, opened only to inject them into a declared phase. */
export interface SecretVault {
  /** Creates or replaces `name` in `scope` (a repository, or `*` for every repository). */
  set(scope: string, name: string, value: string): Promise<void>;
  /** Names and scopes, never values. */
  list(scope?: string): Promise<Array<{ scope: string; name: string; updatedAt: string }>>;
  remove(scope: string, name: string): Promise<boolean>;
  /** Every secret a repository can see, opened: its own over the global ones of the same name. */
  forRepo(repo: string): Promise<NamedSecret[]>;
}

/** A vault with no secrets, for wiring without a secret store (tests, `--sandbox none` demos). */
export const NO_SECRETS: SecretVault = {
  set: async () => {
    throw new BadInputError('no_secret_store', 'This drydock has no secret store.');
  },
  list: async () => [],
  remove: async () => false,
  forRepo: async () => [],
};

export function createSecretVault(store: Store, box: SecretBox): SecretVault {
  return {
    async set(scope, name, value) {
      if (!NAME.test(name)) {
        throw new BadInputError(
          'invalid_secret_name',
          `"${name}" is not a secret name: use an environment variable name (letters, digits, _), e.g. NPM_TOKEN.`,
        );
      }
      if (value === '') {
        throw new BadInputError('empty_secret', `The value of ${name} is empty: pipe it on stdin.`);
      }
      await store.putSecret(scope, name, box.seal(value));
    },
    async list(scope) {
      const stored = await store.listSecrets(scope === undefined ? undefined : [scope]);
      return stored.map(({ scope: s, name, updatedAt }) => ({ scope: s, name, updatedAt }));
    },
    remove: (scope, name) => store.deleteSecret(scope, name),
    async forRepo(repo) {
      const stored = await store.listSecrets([GLOBAL_SCOPE, repo]);
      const byName = new Map<string, NamedSecret>();
      for (const secret of stored.filter((s) => s.scope === GLOBAL_SCOPE)) {
        byName.set(secret.name, { name: secret.name, value: box.open(secret.sealed) });
      }
      for (const secret of stored.filter((s) => s.scope !== GLOBAL_SCOPE)) {
        byName.set(secret.name, { name: secret.name, value: box.open(secret.sealed) });
      }
      return [...byName.values()];
    },
  };
}

/**
 * The environment variables one phase gets: the secrets the plan declares for it (setup: every
 * secret in scope unless the config names some). A declared secret that is not set is an error that
 * says how to set it. Pure.
 */
export function secretsForPhase(
  plan: EnvironmentPlan,
  phase: SecretPhase,
  available: readonly NamedSecret[],
  repo: string,
): Record<string, string> {
  const declared = plan.secrets[phase];
  if (declared === 'all') {
    // The image's registry credentials go to the image tools on the host, never into a sandbox unasked.
    const credentials = plan.image?.credentials ?? null;
    return Object.fromEntries(available.filter((s) => s.name !== credentials).map((s) => [s.name, s.value]));
  }
  const env: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of declared) {
    const secret = available.find((s) => s.name === name);
    if (secret) env[name] = secret.value;
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new BadInputError(
      'secret_not_set',
      `.drydock/config.yaml gives the ${phase} phase ${missing.join(', ')}, but ${missing.length === 1 ? 'it is' : 'they are'} not set. ` +
        `Set ${missing.length === 1 ? 'it' : 'each'} with: echo -n VALUE | drydock secret set ${missing[0]} --repo ${repo}`,
    );
  }
  return env;
}
