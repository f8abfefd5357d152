import { posix } from 'node:path';
import { parseForgeRepo } from '../core/forge-repo.ts';

/**
 * How requests name repositories, decided without the filesystem: nothing here resolves a path against
 * the server's working directory, follows a link, or asks whether a path exists, so no answer built on
 * it can tell a caller about the server's disk. Pure.
 */

/**
 * A forge repository's name (core/forge-repo.ts): `owner/name` on GitHub (GitHub's characters; no part
 * starting with a dot), `gitlab:group/subgroup/project` on GitLab.
 */
export function isForgeRepoName(repo: string): boolean {
  return parseForgeRepo(repo) !== null;
}

/** `owner/name` alone: a GitHub repository (what eval's task sets name). */
export function isGithubRepoName(repo: string): boolean {
  return parseForgeRepo(repo)?.kind === 'github';
}

/** What a request's `repo` can be matched against: a registration's id, or its `repo` column. */
export type RepoLookup = { by: 'id'; id: string } | { by: 'repo'; repo: string };

/**
 * A request's `repo` as a lookup in the registered repositories: `owner/name` (any case), an absolute
 * path (its spelling tidied: repeated and trailing slashes, `.` segments), or a registration's id.
 * Null for anything else (relative paths, `..` segments): such a value never names a registered
 * repository.
 */
export function repoLookup(input: string): RepoLookup | null {
  const value = input.trim();
  if (value === '') return null;
  if (isForgeRepoName(value)) return { by: 'repo', repo: value.toLowerCase() };
  if (value.startsWith('/')) {
    if (value.split('/').includes('..')) return null;
    const path = posix.normalize(value).replace(/\/+$/, '');
    return path === '' ? null : { by: 'repo', repo: path };
  }
  return /^[\w-]{1,64}$/.test(value) ? { by: 'id', id: value } : null;
}

export interface PathProblem {
  code: 'repo_path_not_absolute' | 'repo_path_dot_dot' | 'repo_path_forbidden';
  message: string;
}

/** Kernel and device trees: `/proc/self/cwd` and friends are views of a process, not repositories. */
const FORBIDDEN_ROOTS = ['/proc', '/sys', '/dev'];

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/**
 * Why a local path cannot be registered, judged on its spelling alone (the real path is judged again
 * after links are resolved): it must be absolute, without `..`, outside /proc, /sys and /dev, and
 * outside drydock's data directory `home` (its clones and workspaces). Null when it may go on.
 */
export function localPathProblem(path: string, home: string): PathProblem | null {
  if (!path.startsWith('/')) {
    return {
      code: 'repo_path_not_absolute',
      message: `"${path}" is not an absolute path. Register a local repository by its absolute path on the server (or a forge repository as owner/name).`,
    };
  }
  if (path.split('/').includes('..')) {
    return {
      code: 'repo_path_dot_dot',
      message: `"${path}" contains "..". Register the repository by its plain absolute path.`,
    };
  }
  return forbiddenPathProblem(posix.normalize(path), path, home);
}

/** Whether `real` (a normalised absolute path) lies where no repository may be registered. */
export function forbiddenPathProblem(real: string, asGiven: string, home: string): PathProblem | null {
  const normalized = real.replace(/\/+$/, '') || '/';
  if (normalized === '/' || FORBIDDEN_ROOTS.some((root) => isUnder(normalized, root))) {
    return {
      code: 'repo_path_forbidden',
      message: `"${asGiven}" is a system path (/, /proc, /sys or /dev), not a repository. Register the repository's own directory.`,
    };
  }
  if (isUnder(normalized, posix.normalize(home).replace(/\/+$/, ''))) {
    return {
      code: 'repo_path_forbidden',
      message: `"${asGiven}" is inside drydock's data directory (its clones and workspaces). Register the original repository.`,
    };
  }
  return null;
}
