import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { BadInputError, ForgeError } from '../core/errors.ts';
import type { GithubTokenSource } from './github-forge.ts';
import { splitRepo } from './github-forge.ts';

export interface GithubAppOptions {
  /** DRYDOCK_GITHUB_APP_ID. */
  appId: string;
  /** The App's private key (PEM, PKCS#1 as GitHub issues it, or PKCS#8). */
  privateKey: string;
  /** REST API base; default https://api.github.com. */
  baseUrl?: string;
  /** Milliseconds since the epoch; tests move it to expire tokens. */
  now?: () => number;
  /** A cached token is replaced this long before it expires; default 5 minutes. */
  refreshBeforeMs?: number;
}

interface CachedToken {
  token: string;
  expiresAtMs: number;
}

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function status(error: unknown): number | null {
  return typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number'
    ? error.status
    : null;
}

/**
 * Installation tokens of a GitHub App, as a token source for the GitHub forge: the App's JWT (signed with
 * its private key) finds the installation that covers a repository (`GET /repos/{owner}/{repo}/installation`)
 * and mints an installation token for it, kept until shortly before it expires. Tokens live in this
 * process only: the forge hands them to Octokit and to git through the environment, never to a clone's
 * config or a sandbox.
 */
export function githubAppTokens(options: GithubAppOptions): GithubTokenSource {
  const privateKey = options.privateKey.replace(/\\n/g, '\n').trim();
  if (!/^-----BEGIN (?:RSA )?PRIVATE KEY-----/.test(privateKey)) {
    throw new BadInputError(
      'bad_github_app_key',
      'The GitHub App private key is not a PEM private key (-----BEGIN RSA PRIVATE KEY-----). Download it from the App’s settings and pass it in DRYDOCK_GITHUB_APP_PRIVATE_KEY or DRYDOCK_GITHUB_APP_PRIVATE_KEY_FILE.',
    );
  }
  if (!/^\d+$/.test(options.appId)) {
    throw new BadInputError(
      'bad_github_app_id',
      `DRYDOCK_GITHUB_APP_ID must be the App's numeric id (its settings page shows it), not "${options.appId}".`,
    );
  }
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? 5 * 60_000;
  const app = new Octokit({
    authStrategy: createAppAuth,
    auth: { appId: options.appId, privateKey },
    log: silent,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
  });
  const installations = new Map<string, number>();
  const tokens = new Map<number, Promise<CachedToken>>();

  async function installationFor(repo: string): Promise<number> {
    const known = installations.get(repo);
    if (known !== undefined) return known;
    try {
      const { data } = await app.rest.apps.getRepoInstallation(splitRepo(repo));
      installations.set(repo, data.id);
      return data.id;
    } catch (error) {
      throw appError(`finding its installation for ${repo}`, error, repo);
    }
  }

  async function mint(installationId: number, repo: string): Promise<CachedToken> {
    try {
      const { data } = await app.rest.apps.createInstallationAccessToken({ installation_id: installationId });
      return { token: data.token, expiresAtMs: Date.parse(data.expires_at) };
    } catch (error) {
      // The installation may have been removed and the App installed again: look it up afresh next time.
      installations.delete(repo);
      throw appError(`minting an installation token for ${repo}`, error, repo);
    }
  }

  function appError(what: string, error: unknown, repo: string): ForgeError {
    if (error instanceof ForgeError) return error;
    const code = status(error);
    if (code === 404) {
      return new ForgeError(
        'forge_no_access',
        `The GitHub App ${options.appId} is not installed on ${repo}: install it on the repository (or its owner) and try again.`,
        { cause: error },
      );
    }
    if (code === 401 || code === 403) {
      return new ForgeError(
        'forge_no_access',
        `GitHub refused the App's credentials while ${what} (HTTP ${code}): check DRYDOCK_GITHUB_APP_ID and the private key.`,
        { cause: error },
      );
    }
    return new ForgeError('forge_failed', `GitHub failed ${what}: ${String(error)}`, {
      cause: error,
      transient: code === null || code >= 500,
    });
  }

  return async (repo) => {
    const installationId = await installationFor(repo);
    const cached = await tokens.get(installationId)?.catch(() => null);
    if (cached && cached.expiresAtMs - refreshBeforeMs > now()) return cached.token;
    const minted = mint(installationId, repo);
    tokens.set(installationId, minted);
    minted.catch(() => {
      if (tokens.get(installationId) === minted) tokens.delete(installationId);
    });
    return (await minted).token;
  };
}
