import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError, InternalError } from '../core/errors.ts';
import { parseShortStat } from './diff-stat.ts';
import { git } from './git.ts';
import { stageWorkspace } from './stage-workspace.ts';
import type { WorkspaceGit } from './workspace-git.ts';

export const DRYDOCK_AUTHOR = { name: 'drydock', email: 'drydock@users.noreply.localhost' };

export interface CommitRequest {
  baseCommit: string;
  message: string;
  coAuthor: { name: string; email: string } | null;
}

export interface CommitResult {
  commit: string;
  filesChanged: number;
  insertions: number;
  deletions: number;
}

/**
 * Commits everything the agent changed in the workspace since its last commit (the base commit, or
 * an earlier turn's commit), as drydock, from outside the sandbox, with git's plumbing: no hook, no
 * status, nothing of the tree's runs. The stat compares with the base commit: the whole change a pull
 * request shows. Returns null when there is nothing new to commit. Refuses (nested_repository) a tree
 * with a repository inside it: the gate blocks those before delivery, so this is the last line.
 */
export async function commitWorkspace(
  git: WorkspaceGit,
  request: CommitRequest,
): Promise<CommitResult | null> {
  const { nestedRepositories } = await stageWorkspace(git, 'HEAD');
  if (nestedRepositories.length > 0) throw nestedRepositoryError(nestedRepositories);
  const head = (await git.run(['rev-parse', 'HEAD'])).trim();
  const tree = (await git.run(['write-tree'])).trim();
  if (tree === (await git.run(['rev-parse', 'HEAD^{tree}'])).trim()) return null;
  const trailer = request.coAuthor
    ? `\n\nCo-authored-by: ${request.coAuthor.name} <${request.coAuthor.email}>`
    : '';
  const commit = (
    await git.run(['commit-tree', '--no-gpg-sign', tree, '-p', head, '-m', request.message + trailer], {
      env: {
        GIT_AUTHOR_NAME: DRYDOCK_AUTHOR.name,
        GIT_AUTHOR_EMAIL: DRYDOCK_AUTHOR.email,
        GIT_COMMITTER_NAME: DRYDOCK_AUTHOR.name,
        GIT_COMMITTER_EMAIL: DRYDOCK_AUTHOR.email,
      },
    })
  ).trim();
  await git.run(['update-ref', '-m', "drydock: commit the agent's change", 'HEAD', commit, head]);
  const stat = parseShortStat(await git.run(['diff', '--shortstat', request.baseCommit, commit]));
  return { commit, ...stat };
}

export function nestedRepositoryError(paths: readonly string[]): ConflictError {
  return new ConflictError(
    'nested_repository',
    `The change holds git repositories of its own (${paths.join(', ')}); drydock does not deliver nested ` +
      'repositories or submodule changes: remove their .git (or the directories) and try again.',
    { details: { paths: [...paths] } },
  );
}

/**
 * Makes `commit` of the workspace a new branch in the user's repository. Fetching into a ref the
 * user has not checked out leaves their working tree, index and current branch untouched; without
 * a leading `+` the fetch refuses to move an existing branch.
 */
export async function deliverBranch(
  workspacePath: string,
  repoPath: string,
  branch: string,
  commit: string,
  options: { replace?: boolean } = {},
): Promise<void> {
  await git(['update-ref', `refs/heads/${branch}`, commit], { cwd: workspacePath });
  const refspec = `${options.replace ? '+' : ''}refs/heads/${branch}:refs/heads/${branch}`;
  await git(['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', workspacePath, refspec], {
    cwd: repoPath,
  });
  const delivered = (await git(['rev-parse', `refs/heads/${branch}`], { cwd: repoPath })).trim();
  if (delivered !== commit) {
    throw new InternalError(
      'delivery_mismatch',
      `Branch ${branch} in ${repoPath} is at ${delivered}, expected ${commit}.`,
    );
  }
}

/** The line drydock ends each delivery commit's message with. */
export function deliveryTrailer(sessionId: string): string {
  return `drydock session ${sessionId}`;
}

/**
 * Whether `ref` (in the repository at `cwd`) is a delivery commit of session `sessionId`: one a run
 * made and maybe handed over before it could record so (it died in between).
 */
export async function isDeliveryOf(cwd: string, ref: string, sessionId: string): Promise<boolean> {
  const message = await git(['log', '-1', '--format=%B', ref], { cwd }).catch(() => '');
  return message.split('\n').some((line) => line.trim() === deliveryTrailer(sessionId));
}

/** `git diff --stat` between two commits of the workspace, for people. */
export function diffStat(workspacePath: string, from: string, to: string): Promise<string> {
  return git(['diff', '--stat', from, to], { cwd: workspacePath });
}

/** The agent's change against the base commit, and the nested repositories it was not allowed to hold. */
export interface WorkspaceChange {
  /** A unified diff, untracked files included, nested repositories and submodules not. */
  diff: string;
  /** Repositories inside the workspace (see StagedWorkspace): the gate refuses a change that has any. */
  nestedRepositories: string[];
}

/**
 * The agent's change against the base commit, without touching the workspace's index (a throwaway
 * index in a directory of its own is used).
 */
export async function workspaceChange(git: WorkspaceGit, baseCommit: string): Promise<WorkspaceChange> {
  const dir = await mkdtemp(join(tmpdir(), 'drydock-index-'));
  const options = { env: { GIT_INDEX_FILE: join(dir, 'index') }, writable: [dir] };
  try {
    await git.run(['read-tree', baseCommit], options);
    const { nestedRepositories } = await stageWorkspace(git, baseCommit, options);
    const diff = await git.run(
      ['diff', '--cached', '--no-color', '--no-ext-diff', '--no-textconv', baseCommit],
      options,
    );
    return { diff, nestedRepositories };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The agent's change as a unified diff against the base commit (see workspaceChange). */
export async function workspaceDiff(git: WorkspaceGit, baseCommit: string): Promise<string> {
  return (await workspaceChange(git, baseCommit)).diff;
}
