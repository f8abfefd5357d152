import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkspaceGit } from '../forge/workspace-git.ts';

/**
 * Keeps what setup wrote out of every change: the paths setup left untracked and not ignored (a
 * `node_modules` the repository forgot to ignore, generated files) are added to the workspace's
 * `.git/info/exclude`, so no diff, commit or pull request carries them. Run from the host on the
 * workspace after setup (the sandbox sees `.git` read-only). Returns the paths it added.
 */
export async function excludeSetupOutputs(git: WorkspaceGit): Promise<string[]> {
  const workspace = git.workspace;
  const listed = await git.run(['ls-files', '--others', '--exclude-standard', '--directory', '-z'], {
    timeoutMs: 300_000,
  });
  const paths = listed.split('\0').filter((path) => path !== '');
  if (paths.length === 0) return [];
  const exclude = join(workspace, '.git', 'info', 'exclude');
  await mkdir(join(workspace, '.git', 'info'), { recursive: true });
  const existing = await readFile(exclude, 'utf8').catch(() => '');
  const lines = paths.map((path) => `/${escapeGlob(path)}`);
  const header = existing.endsWith('\n') || existing === '' ? '' : '\n';
  await appendFile(exclude, `${header}# written by drydock's environment setup\n${lines.join('\n')}\n`);
  return paths;
}

/** A path as a literal gitignore pattern (globs and a leading `#` or `!` escaped). */
function escapeGlob(path: string): string {
  return path.replace(/[*?[\]\\]/g, '\\$&').replace(/^([#!])/, '\\$1');
}
