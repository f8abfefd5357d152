import { join } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import type { Forge } from '../core/ports/forge.ts';
import { createSecretBox, loadSecretKey } from '../environments/secret-box.ts';
import { createGithubForge, staticGithubToken } from '../forge/github-forge.ts';
import { DEFAULT_GITHUB_SETTINGS } from '../triggers/trigger-deps.ts';
import type { ServerTriggers } from './server-deps.ts';

/**
 * Triggers from the environment (docs/triggers.md): DRYDOCK_GITHUB_TOKEN (a fine-grained token) enables the
 * GitHub forge, DRYDOCK_GITHUB_WEBHOOK_SECRET GitHub webhooks, DRYDOCK_GITHUB_LOGIN drydock's own login,
 * DRYDOCK_PUBLIC_URL the links in comments, DRYDOCK_SECRET_KEY (or `<home>/secret.key`) the key secrets are
 * encrypted with, DRYDOCK_CI_FOLLOW_UPS the CI fix turns per session (default 2; 0 turns CI follow-up off).
 */
export async function triggersFromEnv(
  env: Record<string, string | undefined>,
  home: string,
  serverUrl: string,
): Promise<ServerTriggers> {
  const token = env.DRYDOCK_GITHUB_TOKEN?.trim();
  const forge: Forge | null = token
    ? createGithubForge({
        tokens: staticGithubToken(token),
        ...(env.DRYDOCK_GITHUB_API_URL ? { baseUrl: env.DRYDOCK_GITHUB_API_URL } : {}),
      })
    : null;
  return {
    forge,
    ...ciFromEnv(env.DRYDOCK_CI_FOLLOW_UPS),
    githubWebhookSecret: env.DRYDOCK_GITHUB_WEBHOOK_SECRET?.trim() || null,
    publicUrl: env.DRYDOCK_PUBLIC_URL?.trim() || serverUrl,
    secrets: createSecretBox(await loadSecretKey(env, join(home, 'secret.key'))),
    github: {
      ...DEFAULT_GITHUB_SETTINGS,
      ...(env.DRYDOCK_GITHUB_LOGIN ? { botLogin: env.DRYDOCK_GITHUB_LOGIN } : {}),
    },
  };
}

function ciFromEnv(value: string | undefined): Pick<ServerTriggers, 'ci'> {
  if (value === undefined || value.trim() === '') return {};
  const cap = Number(value);
  if (!Number.isInteger(cap) || cap < 0 || cap > 20) {
    throw new BadInputError(
      'bad_ci_follow_ups',
      `DRYDOCK_CI_FOLLOW_UPS must be a whole number from 0 to 20, not "${value}".`,
    );
  }
  return { ci: cap === 0 ? { disabled: true } : { maxFollowUps: cap } };
}
