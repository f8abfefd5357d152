import { stat } from 'node:fs/promises';
import { git, tryGit } from './git.ts';

/**
 * `git format-patch` of base..head as one mbox, from the first of `repoPaths` that has the head
 * commit (the session's workspace, else the user's repository). Null when none has it.
 */
export async function formatPatch(
  repoPaths: readonly string[],
  baseCommit: string,
  headCommit: string,
): Promise<string | null> {
  for (const cwd of repoPaths) {
    if (!(await stat(cwd).catch(() => null))?.isDirectory()) continue;
    if ((await tryGit(['cat-file', '-e', `${headCommit}^{commit}`], { cwd })) === null) continue;
    return git(['format-patch', '--stdout', '--no-signature', `${baseCommit}..${headCommit}`], { cwd });
  }
  return null;
}
