import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { git, tryGit } from '../forge/git.ts';

/**
 * A session's workspace: a clone of the repository at the base commit, in drydock's data directory.
 * The clone shares object files with the repository through hard links (git objects are immutable,
 * and the sandbox mounts `.git` read-only, so the agent cannot alter them). Idempotent: a workspace
 * that already exists (a resumed session) is kept as it is.
 */
export async function prepareWorkspace(
  repoPath: string,
  baseCommit: string,
  workspacePath: string,
): Promise<void> {
  if (await stat(workspacePath).catch(() => null)) {
    const head = await tryGit(['rev-parse', 'HEAD'], { cwd: workspacePath });
    if (head !== null) return;
    // A clone that died half-way: start it again.
    await rm(workspacePath, { recursive: true, force: true });
  }
  await mkdir(dirname(workspacePath), { recursive: true });
  const partial = `${workspacePath}.partial`;
  await rm(partial, { recursive: true, force: true });
  await git(['clone', '--quiet', '--no-checkout', repoPath, partial], { cwd: dirname(workspacePath) });
  if ((await tryGit(['cat-file', '-e', `${baseCommit}^{commit}`], { cwd: partial })) === null) {
    // The commit is not reachable from any ref the clone copied (a detached HEAD, say): fetch it.
    await git(['fetch', '--quiet', repoPath, baseCommit], { cwd: partial });
  }
  await git(['checkout', '--quiet', '--detach', baseCommit], { cwd: partial });
  // The sandbox cannot see the user's repository; a remote pointing at it would only confuse the agent.
  await git(['remote', 'remove', 'origin'], { cwd: partial });
  await rename(partial, workspacePath);
}
