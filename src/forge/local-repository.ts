import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import { git, tryGit } from './git.ts';

export interface LocalRepository {
  /** Absolute path of the repository's top level. */
  path: string;
  /** The commit `ref` resolved to. */
  commit: string;
}

/**
 * Checks that `path` is a local git repository and that `ref` names a commit in it, without
 * changing anything. Throws BadInputError with what to do otherwise.
 */
export async function resolveLocalRepository(path: string, ref: string): Promise<LocalRepository> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => null);
  if (!info?.isDirectory()) {
    throw new BadInputError(
      'repo_not_found',
      `No directory at ${absolute}. Pass --repo the path of a local git repository.`,
    );
  }
  const top = await tryGit(['rev-parse', '--show-toplevel'], { cwd: absolute });
  if (top === null) {
    throw new BadInputError(
      'not_a_git_repository',
      `${absolute} is not a git repository. Pass --repo the path of a git repository (run \`git init\` there first if it is new).`,
    );
  }
  const commit = await tryGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: absolute });
  if (commit === null) {
    const hasCommits =
      (await tryGit(['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: absolute })) !== null;
    throw new BadInputError(
      'unknown_ref',
      hasCommits
        ? `"${ref}" does not name a commit in ${top.trim()}. Pass --ref a branch, tag or commit that exists there.`
        : `${top.trim()} has no commits yet. Commit something first: drydock starts from a commit.`,
      { details: hasCommits ? { ref } : { empty: true } },
    );
  }
  return { path: top.trim(), commit: commit.trim() };
}

/** The user's name and email from the repository's git config, for Co-authored-by; null when unset. */
export async function gitUser(repoPath: string): Promise<{ name: string; email: string } | null> {
  const name = (await tryGit(['config', 'user.name'], { cwd: repoPath }))?.trim();
  const email = (await tryGit(['config', 'user.email'], { cwd: repoPath }))?.trim();
  return name && email ? { name, email } : null;
}

/** Ensures a branch name is free in the repository before drydock creates it there. */
export async function branchExists(repoPath: string, branch: string): Promise<boolean> {
  return (
    (await tryGit(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: repoPath })) !== null
  );
}

export { git };
