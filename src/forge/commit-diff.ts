import { stat } from 'node:fs/promises';
import { git, tryGit } from './git.ts';

/**
 * The unified diff between two commits, from the first of `repoPaths` that has `to` (the session's
 * workspace, else the user's repository); null when none has it. No external diff or text conversion
 * drivers run, whatever the repository's attributes say.
 */
export async function commitDiff(
  repoPaths: readonly string[],
  from: string,
  to: string,
): Promise<string | null> {
  for (const cwd of repoPaths) {
    if (!(await stat(cwd).catch(() => null))?.isDirectory()) continue;
    if ((await tryGit(['cat-file', '-e', `${to}^{commit}`], { cwd })) === null) continue;
    return git(['diff', '--no-color', '--no-ext-diff', '--no-textconv', from, to], { cwd });
  }
  return null;
}
