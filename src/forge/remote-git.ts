import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ForgeError } from '../core/errors.ts';
import type { BranchPush } from '../core/ports/forge.ts';
import { GitCommandError, git } from './git.ts';

/**
 * Git against a forge's remote with control-plane credentials. The credential travels as an
 * `http.extraHeader` in the environment (GIT_CONFIG_*), so it is never written into a clone's config and
 * never appears in an error message (which quotes the arguments).
 */
export interface RemoteGit {
  url: string;
  /** A bearer for HTTPS remotes, or none (a local path). */
  token?: string;
  /** The user name sent with the token (default `x-access-token`; Bitbucket's access tokens want `x-token-auth`). */
  user?: string;
}

function credentialEnv(remote: RemoteGit): Record<string, string> {
  if (!remote.token) return {};
  const basic = Buffer.from(`${remote.user ?? 'x-access-token'}:${remote.token}`).toString('base64');
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

function noAccess(repo: string, error: unknown): ForgeError {
  const detail =
    error instanceof GitCommandError ? error.stderr.trim().split('\n').slice(-1)[0] : String(error);
  return new ForgeError(
    'forge_no_access',
    `drydock cannot read ${repo} with its credentials (${detail}). Install the GitHub App on the repository, or give its token access (on GitLab: the Developer role or above).`,
    { cause: error },
  );
}

/**
 * Clones the remote into `dir` (no checkout: sessions clone from it), or fetches every branch into
 * the existing clone. Branches drydock delivered locally and has not pushed yet are kept (no prune).
 */
export async function syncClone(repo: string, remote: RemoteGit, dir: string): Promise<void> {
  const env = credentialEnv(remote);
  const exists = await stat(join(dir, '.git')).then(
    () => true,
    () => false,
  );
  try {
    if (!exists) {
      await mkdir(dirname(dir), { recursive: true });
      await git(['clone', '--quiet', '--no-checkout', remote.url, dir], { cwd: dirname(dir), env });
    }
    await git(
      ['fetch', '--quiet', '--update-head-ok', '--no-tags', remote.url, '+refs/heads/*:refs/heads/*'],
      {
        cwd: dir,
        env,
      },
    );
  } catch (error) {
    throw noAccess(repo, error);
  }
}

/**
 * Fetches one ref of the remote (`refs/pull/7/head`) into `dir` as `to`, forced (a pull request's head moves
 * on every push), and returns the commit it now names.
 */
export async function fetchRef(
  repo: string,
  remote: RemoteGit,
  dir: string,
  ref: { from: string; to: string },
): Promise<string> {
  try {
    await git(['fetch', '--quiet', '--no-tags', remote.url, `+${ref.from}:${ref.to}`], {
      cwd: dir,
      env: credentialEnv(remote),
    });
  } catch (error) {
    throw noAccess(repo, error);
  }
  return (await git(['rev-parse', '--verify', `${ref.to}^{commit}`], { cwd: dir })).trim();
}

/** Pushes `commit` to `branch` on the remote; no force: a follow-up's commit fast-forwards the branch. */
export async function pushBranch(repo: string, remote: RemoteGit, push: BranchPush): Promise<void> {
  try {
    await git(['push', '--quiet', '--no-verify', remote.url, `${push.commit}:refs/heads/${push.branch}`], {
      cwd: push.from,
      env: credentialEnv(remote),
    });
  } catch (error) {
    throw new ForgeError('push_failed', `Pushing ${push.branch} to ${repo} failed: ${describe(error)}`, {
      cause: error,
    });
  }
}

function describe(error: unknown): string {
  return error instanceof GitCommandError
    ? error.stderr.trim().split('\n').slice(-2).join(' ')
    : String(error);
}
