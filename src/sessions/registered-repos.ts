import { realpath, stat } from 'node:fs/promises';
import {
  type BadInputCode,
  BadInputError,
  ConflictError,
  type DrydockError,
  isBadInput,
  isConflict,
} from '../core/errors.ts';
import { REPO_ALREADY_REGISTERED, type RegisteredRepo, type Store } from '../core/ports/store.ts';
import { tryGit } from '../forge/git.ts';
import { forbiddenPathProblem, isForgeRepoName, localPathProblem, repoLookup } from './repo-input.ts';

/** The code of the BadInputError for a repository that is not registered (server mode). */
export const REPO_NOT_REGISTERED = 'repo_not_registered' satisfies BadInputCode;

export function isRepoNotRegistered(error: unknown): error is DrydockError {
  return isBadInput(error, REPO_NOT_REGISTERED);
}

/**
 * The registered repository `input` names (its id, its path, or `owner/name` in any case), or null.
 * Reads only the store: the input is never resolved on the filesystem.
 */
export async function findRegisteredRepo(store: Store, input: string): Promise<RegisteredRepo | null> {
  const lookup = repoLookup(input);
  if (lookup === null) return null;
  return lookup.by === 'id' ? store.getRepo(lookup.id) : store.findRepo(lookup.repo);
}

/** The one of `repos` that `input` names (its id, its path, or `owner/name` in any case), or null. Pure. */
export function pickRegisteredRepo(repos: readonly RegisteredRepo[], input: string): RegisteredRepo | null {
  const lookup = repoLookup(input);
  if (lookup === null) return null;
  return (
    repos.find((repo) => (lookup.by === 'id' ? repo.id === lookup.id : repo.repo === lookup.repo)) ?? null
  );
}

/**
 * Like findRegisteredRepo, but throws BadInputError `repo_not_registered` (field `repo`). The message is
 * the same whatever was asked for, and quotes nothing: whether a path exists, or what the server's working
 * directory is, never shows in it.
 */
export async function requireRegisteredRepo(store: Store, input: string): Promise<RegisteredRepo> {
  const registered = await findRegisteredRepo(store, input);
  if (registered) return registered;
  const message =
    'This repository is not registered on this drydock server. Name one from the list of registered repositories (GET /api/repos, or Settings → Repositories), by its id, path or owner/name; an admin registers more with POST /api/repos or drydock repo add.';
  throw new BadInputError(REPO_NOT_REGISTERED, message, {
    details: { fields: { repo: 'not a registered repository' } },
  });
}

function refuse(code: BadInputCode, message: string): BadInputError {
  return new BadInputError(code, message, { details: { fields: { repo: message } } });
}

/**
 * Validates and registers a repository (an admin's request): `owner/name` for a forge repository, or the
 * absolute path of a local git repository's top level, stored as its real path (links resolved). Refused
 * with a code: `repo_path_not_absolute`, `repo_path_dot_dot`, `repo_path_forbidden` (/proc, /sys, /dev, /,
 * drydock's own data directory `home`), `repo_not_found`, `not_a_git_repository`, `repo_not_top_level`;
 * ConflictError `repo_already_registered`. Messages quote only what was asked for.
 */
export async function registerRepo(
  deps: { store: Store; home: string },
  input: string,
  addedBy: string,
): Promise<RegisteredRepo> {
  const value = input.trim();
  if (isForgeRepoName(value)) {
    return deps.store.createRepo({ kind: 'forge', repo: value.toLowerCase(), addedBy });
  }
  const problem = localPathProblem(value, deps.home);
  if (problem) throw refuse(problem.code, problem.message);
  const real = await realpath(value).catch(() => null);
  const info = real === null ? null : await stat(real).catch(() => null);
  if (real === null || !info?.isDirectory()) {
    throw refuse(
      'repo_not_found',
      `No directory at "${value}" on the server. Register an existing repository.`,
    );
  }
  const realHome = await realpath(deps.home).catch(() => deps.home);
  for (const home of new Set([deps.home, realHome])) {
    const linked = forbiddenPathProblem(real, value, home);
    if (linked) throw refuse(linked.code, linked.message);
  }
  const top = (await tryGit(['rev-parse', '--show-toplevel'], { cwd: real }))?.trim();
  if (!top) {
    throw refuse(
      'not_a_git_repository',
      `"${value}" is not a git repository (bare repositories are not supported). Register the directory of a git checkout.`,
    );
  }
  if ((await realpath(top).catch(() => top)) !== real) {
    throw refuse(
      'repo_not_top_level',
      `"${value}" is inside a git repository but is not its top-level directory. Register the top level.`,
    );
  }
  return deps.store.createRepo({ kind: 'local', repo: real, addedBy }).catch((error: unknown) => {
    // The store's message names the real path; say it with the path as it was asked for.
    if (!isConflict(error, REPO_ALREADY_REGISTERED)) throw error;
    throw new ConflictError(REPO_ALREADY_REGISTERED, `"${value}" is registered already.`, { cause: error });
  });
}
