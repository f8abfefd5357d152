import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError } from '../core/errors.ts';
import { parseShortStat } from './diff-stat.ts';
import { git } from './git.ts';

export const DRYDOCK_AUTHOR = { name: 'drydock', email: 'drydock@users.noreply.localhost' };

export interface CommitRequest {
  workspacePath: string;
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
 * an earlier turn's commit), as drydock, from outside the sandbox. The stat compares with the base
 * commit: the whole change a pull request shows. Returns null when there is nothing new to commit.
 */
export async function commitWorkspace(request: CommitRequest): Promise<CommitResult | null> {
  const cwd = request.workspacePath;
  await git(['add', '--all'], { cwd });
  const staged = await git(['diff', '--cached', '--name-only', 'HEAD'], { cwd });
  if (staged.trim() === '') return null;
  const trailer = request.coAuthor
    ? `\n\nCo-authored-by: ${request.coAuthor.name} <${request.coAuthor.email}>`
    : '';
  await git(['commit', '--quiet', '--no-verify', '-m', request.message + trailer], {
    cwd,
    env: {
      GIT_AUTHOR_NAME: DRYDOCK_AUTHOR.name,
      GIT_AUTHOR_EMAIL: DRYDOCK_AUTHOR.email,
      GIT_COMMITTER_NAME: DRYDOCK_AUTHOR.name,
      GIT_COMMITTER_EMAIL: DRYDOCK_AUTHOR.email,
    },
  });
  const commit = (await git(['rev-parse', 'HEAD'], { cwd })).trim();
  const stat = parseShortStat(await git(['diff', '--shortstat', request.baseCommit, commit], { cwd }));
  return { commit, ...stat };
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
  await git(['fetch', '--quiet', '--no-tags', workspacePath, refspec], { cwd: repoPath });
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

/**
 * The agent's change as a unified diff against the base commit, untracked files included, without
 * touching the workspace's index (a throwaway index file is used).
 */
export async function workspaceDiff(workspacePath: string, baseCommit: string): Promise<string> {
  const indexFile = join(
    tmpdir(),
    `drydock-index-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  );
  const env = { GIT_INDEX_FILE: indexFile };
  try {
    await git(['read-tree', baseCommit], { cwd: workspacePath, env });
    await git(['add', '--all'], { cwd: workspacePath, env });
    return await git(['diff', '--cached', '--no-color', '--no-ext-diff', baseCommit], {
      cwd: workspacePath,
      env,
    });
  } finally {
    await rm(indexFile, { force: true });
  }
}
