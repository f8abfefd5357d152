import { git } from './git.ts';

/**
 * The directories a git command reading the repository at `repoPath` needs to see: its top level, its
 * git directory and the common one (a worktree's `.git` is a file naming the main repository's), for a
 * confined git that fetches from it. Deduplicated, absolute.
 */
export async function repositoryDirs(repoPath: string): Promise<string[]> {
  const out = await git(
    ['rev-parse', '--path-format=absolute', '--show-toplevel', '--absolute-git-dir', '--git-common-dir'],
    { cwd: repoPath },
  );
  return [...new Set(out.split('\n').filter((line) => line !== ''))];
}
