import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import type { Forge } from '../core/ports/forge.ts';
import { createSecretBox, loadSecretKey } from '../environments/secret-box.ts';
import { createBitbucketForge } from '../forge/bitbucket-forge.ts';
import { createForgeRegistry } from '../forge/forge-registry.ts';
import { createGiteaForge } from '../forge/gitea-forge.ts';
import { githubAppTokens } from '../forge/github-app-tokens.ts';
import { createGithubForge, type GithubTokenSource, staticGithubToken } from '../forge/github-forge.ts';
import { createGitlabForge, DEFAULT_GITLAB_URL } from '../forge/gitlab-forge.ts';
import { DEFAULT_BITBUCKET_SETTINGS } from '../triggers/bitbucket-events.ts';
import { DEFAULT_GITEA_SETTINGS } from '../triggers/gitea-events.ts';
import { DEFAULT_GITLAB_SETTINGS } from '../triggers/gitlab-events.ts';
import { createSlackClient } from '../triggers/slack-client.ts';
import { DEFAULT_GITHUB_SETTINGS } from '../triggers/trigger-deps.ts';
import type { ServerSlack, ServerTriggers } from './server-deps.ts';
import { trackersFromEnv } from './tracker-config.ts';

/**
 * Triggers from the environment (docs/triggers.md): DRYDOCK_GITHUB_TOKEN (a fine-grained token) or a GitHub
 * App (DRYDOCK_GITHUB_APP_ID with DRYDOCK_GITHUB_APP_PRIVATE_KEY or DRYDOCK_GITHUB_APP_PRIVATE_KEY_FILE)
 * enables the GitHub forge, DRYDOCK_GITHUB_WEBHOOK_SECRET GitHub webhooks, DRYDOCK_GITHUB_LOGIN drydock's own login,
 * DRYDOCK_PUBLIC_URL the links in comments, DRYDOCK_SECRET_KEY (or `<home>/secret.key`) the key secrets are
 * encrypted with, DRYDOCK_CI_FOLLOW_UPS the CI fix turns per session (default 2; 0 turns CI follow-up off),
 * DRYDOCK_SLACK_SIGNING_SECRET and DRYDOCK_SLACK_BOT_TOKEN (both, or neither) Slack, DRYDOCK_SLACK_API_URL
 * its Web API's address, DRYDOCK_LINEAR_* and DRYDOCK_JIRA_* the issue trackers (trackersFromEnv),
 * DRYDOCK_BITBUCKET_WEBHOOK_SECRET Bitbucket Cloud webhooks and DRYDOCK_BITBUCKET_LOGIN drydock's account there.
 */
export async function triggersFromEnv(
  env: Record<string, string | undefined>,
  home: string,
  serverUrl: string,
): Promise<ServerTriggers> {
  const tokens = await githubTokensFromEnv(env);
  const github: Forge | null = tokens
    ? createGithubForge({
        tokens,
        ...(env.DRYDOCK_GITHUB_API_URL ? { baseUrl: env.DRYDOCK_GITHUB_API_URL } : {}),
      })
    : null;
  const gitlab = gitlabFromEnv(env);
  const gitea = giteaFromEnv(env);
  const bitbucket = bitbucketFromEnv(env);
  // One forge per kind behind a registry, which routes each repository by its name (core/forge-repo.ts)
  // and refuses one on a forge not configured here, saying what to set.
  const forge: Forge | null =
    github || gitlab || gitea || bitbucket
      ? createForgeRegistry({
          ...(github ? { github } : {}),
          ...(gitlab ? { gitlab } : {}),
          ...(gitea ? { gitea } : {}),
          ...(bitbucket ? { bitbucket } : {}),
        })
      : null;
  return {
    forge,
    giteaWebhookSecret: env.DRYDOCK_GITEA_WEBHOOK_SECRET?.trim() || null,
    ...(env.DRYDOCK_GITEA_LOGIN?.trim()
      ? { gitea: { ...DEFAULT_GITEA_SETTINGS, botLogin: env.DRYDOCK_GITEA_LOGIN.trim() } }
      : {}),
    bitbucketWebhookSecret: env.DRYDOCK_BITBUCKET_WEBHOOK_SECRET?.trim() || null,
    ...(env.DRYDOCK_BITBUCKET_LOGIN?.trim()
      ? { bitbucket: { ...DEFAULT_BITBUCKET_SETTINGS, bot: env.DRYDOCK_BITBUCKET_LOGIN.trim() } }
      : {}),
    gitlabWebhookSecret: env.DRYDOCK_GITLAB_WEBHOOK_SECRET?.trim() || null,
    ...(env.DRYDOCK_GITLAB_LOGIN
      ? { gitlab: { ...DEFAULT_GITLAB_SETTINGS, botUsername: env.DRYDOCK_GITLAB_LOGIN } }
      : {}),
    ...ciFromEnv(env.DRYDOCK_CI_FOLLOW_UPS),
    ...slackFromEnv(env),
    ...trackersFromEnv(env),
    githubWebhookSecret: env.DRYDOCK_GITHUB_WEBHOOK_SECRET?.trim() || null,
    publicUrl: env.DRYDOCK_PUBLIC_URL?.trim() || serverUrl,
    secrets: createSecretBox(await loadSecretKey(env, join(home, 'secret.key'))),
    github: {
      ...DEFAULT_GITHUB_SETTINGS,
      ...(env.DRYDOCK_GITHUB_LOGIN ? { botLogin: env.DRYDOCK_GITHUB_LOGIN } : {}),
    },
  };
}

/**
 * The GitLab forge: DRYDOCK_GITLAB_TOKEN (a project, group or personal access token with the `api` and
 * `write_repository` scopes) on DRYDOCK_GITLAB_URL (default https://gitlab.com; a self-managed instance's
 * address). Null without a token.
 */
export function gitlabFromEnv(env: Record<string, string | undefined>): Forge | null {
  const token = env.DRYDOCK_GITLAB_TOKEN?.trim();
  if (!token) return null;
  const url = env.DRYDOCK_GITLAB_URL?.trim() || DEFAULT_GITLAB_URL;
  if (!/^https?:\/\/[^/]/.test(url)) {
    throw new BadInputError(
      'invalid_base_url',
      `DRYDOCK_GITLAB_URL must be an http(s) address such as https://gitlab.example.com, not "${url}".`,
    );
  }
  return createGitlabForge({ token, url });
}

/**
 * The Gitea (or Forgejo) forge: DRYDOCK_GITEA_TOKEN (an access token with `write:repository` and
 * `write:issue`) on DRYDOCK_GITEA_URL, the server's address, which has no default: there is no one public
 * Gitea. Null without a token; a token without a URL is refused.
 */
export function giteaFromEnv(env: Record<string, string | undefined>): Forge | null {
  const token = env.DRYDOCK_GITEA_TOKEN?.trim();
  if (!token) return null;
  const url = env.DRYDOCK_GITEA_URL?.trim() ?? '';
  if (!/^https?:\/\/[^/]/.test(url)) {
    throw new BadInputError(
      'invalid_base_url',
      url
        ? `DRYDOCK_GITEA_URL must be an http(s) address such as https://git.example.com, not "${url}".`
        : 'DRYDOCK_GITEA_TOKEN is set but DRYDOCK_GITEA_URL is not: set it to your Gitea or Forgejo server (https://git.example.com).',
    );
  }
  return createGiteaForge({ token, url });
}

/**
 * The Bitbucket Cloud forge: DRYDOCK_BITBUCKET_TOKEN (a repository, project or workspace access token with
 * the repository write, pull request write and issue write scopes); DRYDOCK_BITBUCKET_API_URL only for tests.
 * Null without a token.
 */
export function bitbucketFromEnv(env: Record<string, string | undefined>): Forge | null {
  const token = env.DRYDOCK_BITBUCKET_TOKEN?.trim();
  if (!token) return null;
  const apiUrl = env.DRYDOCK_BITBUCKET_API_URL?.trim();
  return createBitbucketForge({ token, ...(apiUrl ? { apiUrl } : {}) });
}

/** The GitHub forge's token source: a fine-grained token, or a GitHub App's installation tokens. */
export async function githubTokensFromEnv(
  env: Record<string, string | undefined>,
): Promise<GithubTokenSource | null> {
  const token = env.DRYDOCK_GITHUB_TOKEN?.trim();
  const appId = env.DRYDOCK_GITHUB_APP_ID?.trim();
  const keyFile = env.DRYDOCK_GITHUB_APP_PRIVATE_KEY_FILE?.trim();
  let privateKey = env.DRYDOCK_GITHUB_APP_PRIVATE_KEY?.trim();
  if (!appId) {
    if (privateKey || keyFile) {
      throw new BadInputError(
        'incomplete_github_app',
        'A GitHub App private key is set but DRYDOCK_GITHUB_APP_ID is not: set the App id too.',
      );
    }
    return token ? staticGithubToken(token) : null;
  }
  if (token) {
    throw new BadInputError(
      'ambiguous_github_credentials',
      'Both DRYDOCK_GITHUB_TOKEN and DRYDOCK_GITHUB_APP_ID are set: choose the fine-grained token or the GitHub App, not both.',
    );
  }
  if (privateKey && keyFile) {
    throw new BadInputError(
      'ambiguous_github_app_key',
      'Set DRYDOCK_GITHUB_APP_PRIVATE_KEY or DRYDOCK_GITHUB_APP_PRIVATE_KEY_FILE, not both.',
    );
  }
  if (keyFile) {
    try {
      privateKey = await readFile(keyFile, 'utf8');
    } catch (error) {
      throw new BadInputError(
        'unreadable_github_app_key',
        `Cannot read the GitHub App private key from ${keyFile} (DRYDOCK_GITHUB_APP_PRIVATE_KEY_FILE): ${String(error)}`,
        { cause: error },
      );
    }
  }
  if (!privateKey) {
    throw new BadInputError(
      'incomplete_github_app',
      'DRYDOCK_GITHUB_APP_ID is set without a private key: set DRYDOCK_GITHUB_APP_PRIVATE_KEY (the PEM) or DRYDOCK_GITHUB_APP_PRIVATE_KEY_FILE (its path).',
    );
  }
  return githubAppTokens({
    appId,
    privateKey,
    ...(env.DRYDOCK_GITHUB_API_URL ? { baseUrl: env.DRYDOCK_GITHUB_API_URL } : {}),
  });
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

function slackFromEnv(env: Record<string, string | undefined>): { slack?: ServerSlack } {
  const signingSecret = env.DRYDOCK_SLACK_SIGNING_SECRET?.trim();
  const botToken = env.DRYDOCK_SLACK_BOT_TOKEN?.trim();
  if (!signingSecret && !botToken) return {};
  if (!signingSecret || !botToken) {
    throw new BadInputError(
      'incomplete_slack_config',
      `Slack needs both DRYDOCK_SLACK_SIGNING_SECRET and DRYDOCK_SLACK_BOT_TOKEN; only ${
        signingSecret ? 'the signing secret' : 'the bot token'
      } is set.`,
    );
  }
  const apiUrl = env.DRYDOCK_SLACK_API_URL?.trim();
  return {
    slack: { signingSecret, client: createSlackClient({ botToken, ...(apiUrl ? { apiUrl } : {}) }) },
  };
}
