import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError, ConflictError } from '../core/errors.ts';
import { git, tryGit } from './git.ts';
import { branchExists, gitUser } from './local-repository.ts';

/**
 * Applies an mbox patch (`git format-patch`) as a new branch starting at `baseCommit`, in a throwaway
 * worktree: the repository's current branch, index and working tree are not touched. Returns the new
 * branch's head commit.
 */
export async function applyPatchAsBranch(
  repoPath: string,
  patch: string,
  baseCommit: string,
  branch: string,
): Promise<string> {
  if ((await tryGit(['cat-file', '-e', `${baseCommit}^{commit}`], { cwd: repoPath })) === null) {
    throw new BadInputError(
      'base_commit_missing',
      `The session starts from ${baseCommit.slice(0, 12)}, which ${repoPath} does not have; fetch it first (git fetch).`,
    );
  }
  if (await branchExists(repoPath, branch)) {
    throw new ConflictError(
      'branch_exists',
      `Branch ${branch} already exists in ${repoPath}; delete it or pick another name with --branch.`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'drydock-pull-'));
  const worktree = join(dir, 'worktree');
  const patchFile = join(dir, 'session.patch');
  // git am needs a committer; the authors stay those of the patch.
  const user = await gitUser(repoPath);
  const env: Record<string, string> = user
    ? {}
    : { GIT_COMMITTER_NAME: 'drydock', GIT_COMMITTER_EMAIL: 'drydock@users.noreply.localhost' };
  try {
    await writeFile(patchFile, patch);
    await git(['worktree', 'add', '--quiet', '--detach', worktree, baseCommit], { cwd: repoPath });
    await git(['am', '--quiet', '--keep-cr', '--no-gpg-sign', patchFile], { cwd: worktree, env });
    const head = (await git(['rev-parse', 'HEAD'], { cwd: worktree })).trim();
    await git(['branch', branch, head], { cwd: repoPath });
    return head;
  } finally {
    await tryGit(['worktree', 'remove', '--force', worktree], { cwd: repoPath });
    await rm(dir, { recursive: true, force: true });
  }
}
