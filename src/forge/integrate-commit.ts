import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitCommandError } from './git.ts';
import { stageWorkspace } from './stage-workspace.ts';
import type { WorkspaceGit } from './workspace-git.ts';

/** A change made in another workspace: its commits base..head, in the repository at `path`. */
export interface ChangeSource {
  /** Host path of the workspace (or repository) holding `headCommit`. */
  path: string;
  baseCommit: string;
  headCommit: string;
  /**
   * What to fetch from `path`: default its HEAD (a workspace's HEAD is its head commit). A review names
   * the head commit itself, which the user's repository may hold on any branch.
   */
  ref?: string;
}

export interface IntegrateResult {
  /** Files the change touched, as paths in the workspace. */
  files: string[];
  /**
   * Files where the change and the workspace's own changes collided: each holds git's conflict markers
   * (`<<<<<<<`, `=======`, `>>>>>>>`) for the agent to resolve. Empty: it applied cleanly.
   */
  conflicts: string[];
}

/**
 * Applies another workspace's change (base..head) to this workspace's working tree, uncommitted, as if
 * the agent had written it: a parent takes in its chosen attempt, a manager its child's work. The
 * commits are fetched into this workspace's repository (no ref is moved), then the diff is applied
 * with a three-way merge against a throwaway index staged from the working tree, so the agent's own
 * uncommitted changes are merged with, not overwritten; where both changed the same lines, the file
 * keeps conflict markers and is named in `conflicts`. Runs only drydock's confined git (WorkspaceGit):
 * nothing either tree holds is executed.
 */
export async function integrateCommit(git: WorkspaceGit, source: ChangeSource): Promise<IntegrateResult> {
  await git.run(
    [
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-recurse-submodules',
      '--no-write-fetch-head',
      source.path,
      source.ref ?? 'HEAD',
    ],
    { readable: [source.path] },
  );
  // What was fetched must hold the change (a delivered session's HEAD is its head commit).
  await git.run(['cat-file', '-e', `${source.headCommit}^{commit}`]);
  const dir = await mkdtemp(join(tmpdir(), 'drydock-integrate-'));
  const options = { env: { GIT_INDEX_FILE: join(dir, 'index') }, writable: [dir], readable: [dir] };
  try {
    const files = (
      await git.run(['diff', '--name-only', '-z', '--no-renames', source.baseCommit, source.headCommit])
    )
      .split('\0')
      .filter((file) => file !== '');
    if (files.length === 0) return { files, conflicts: [] };
    const patch = await git.run([
      'diff',
      '--binary',
      '--full-index',
      '--no-color',
      '--no-ext-diff',
      '--no-textconv',
      '--no-renames',
      source.baseCommit,
      source.headCommit,
    ]);
    const patchFile = join(dir, 'change.patch');
    await writeFile(patchFile, patch);
    // The index --3way needs: HEAD's tree with the working tree's changes staged on it.
    await git.run(['read-tree', 'HEAD'], options);
    await stageWorkspace(git, 'HEAD', options);
    try {
      await git.run(['apply', '--3way', '--binary', '--whitespace=nowarn', patchFile], options);
      return { files, conflicts: [] };
    } catch (error) {
      if (!(error instanceof GitCommandError)) throw error;
      const conflicts = (await git.run(['diff', '--name-only', '-z', '--diff-filter=U'], options))
        .split('\0')
        .filter((file) => file !== '');
      // Nothing in conflict: the patch could not be applied at all (git says why); nothing was changed.
      if (conflicts.length === 0) throw error;
      return { files, conflicts };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
