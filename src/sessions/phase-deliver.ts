import { InternalError } from '../core/errors.ts';
import type { Session } from '../core/session.ts';
import { parseShortStat } from '../forge/diff-stat.ts';
import { git } from '../forge/git.ts';
import {
  type CommitResult,
  commitWorkspace,
  deliverBranch,
  deliveryTrailer,
  isDeliveryOf,
} from '../forge/local-delivery.ts';
import { branchExists, gitUser } from '../forge/local-repository.ts';
import { branchName } from './branch-name.ts';
import { NOTHING_CHANGED } from './phase-verify.ts';
import type { PhaseResult } from './phases.ts';
import { pullRequestDescription } from './reports.ts';
import { sessionScreenshots } from './session-browser.ts';
import { reportInput } from './session-ending.ts';
import { runGit, type SessionRun, saveArtifact } from './session-run.ts';

/**
 * delivering: drydock commits the change (the agent never does) and hands the branch over to the
 * repository, with the pull request's description; a child session (an attempt, a manager's child)
 * only commits, and its parent delivers. Idempotent: a run that died while delivering
 * left the session here, and the next run delivers again without a second commit or branch.
 */
export async function deliver(run: SessionRun): Promise<PhaseResult> {
  const session = run.recorder.session;
  const outcome = run.checkpoint.agent.outcome;
  const summary = outcome?.kind === 'finished' ? outcome.summary : '';
  const title = session.task.split('\n', 1)[0]!.slice(0, 72);
  const committed =
    (await commitWorkspace(runGit(run), {
      baseCommit: run.baseCommit,
      message: `${title}\n\n${summary}\n\n${deliveryTrailer(session.id)}`,
      coAuthor: session.requestedBy ?? (await gitUser(session.repo)),
    })) ?? (await unrecordedCommit(run.workspacePath, session, run.baseCommit));
  if (!committed) {
    if (session.headCommit !== null) {
      // A follow-up turn that changed nothing (an answer, not a change): the branch stays where it is.
      return {
        kind: 'end',
        state: 'delivered',
        reason: 'this turn changed no file; the branch is unchanged',
      };
    }
    return { kind: 'end', state: 'bowed_out', reason: NOTHING_CHANGED };
  }
  const commitEvent = {
    type: 'delivery.committed',
    commit: committed.commit,
    filesChanged: committed.filesChanged,
    insertions: committed.insertions,
    deletions: committed.deletions,
  } as const;
  if (session.parentId !== undefined) {
    // An attempt or a manager's child: the change stays in drydock, in this session's workspace (its
    // commit recorded as the head), and the parent delivers (the chosen attempt, or the integrated whole).
    return { kind: 'done', patch: { headCommit: committed.commit }, events: [commitEvent] };
  }
  // A later turn moves the session's own branch forward; a new branch must not exist yet, unless an
  // earlier delivery of this very session made it and died before recording it (then it is replaced).
  const branch = session.branch ?? branchName(session.task, session.id);
  const existing = session.branch === null && (await branchExists(session.repo, branch));
  if (existing && !(await isDeliveryOf(session.repo, branch, session.id))) {
    throw new InternalError(
      'branch_exists',
      `Branch ${branch} already exists in ${session.repo}; drydock will not move it.`,
    );
  }
  await deliverBranch(run.workspacePath, session.repo, branch, committed.commit, { replace: existing });
  const description = pullRequestDescription({
    ...reportInput(run),
    screenshots: await sessionScreenshots(run),
  });
  await saveArtifact(run, 'pull-request.md', description, 'text/markdown');
  return {
    kind: 'done',
    patch: { branch, headCommit: committed.commit },
    events: [commitEvent, { type: 'delivery.branch', branch, repo: session.repo, commit: committed.commit }],
  };
}

/**
 * The delivery commit a run made in the workspace and died before recording (a plain clone keeps
 * it; a layered workspace resumes from the snapshot before it and commits again): HEAD, when it is
 * not the recorded head and its message names this session. Null otherwise.
 */
async function unrecordedCommit(
  workspacePath: string,
  session: Session,
  baseCommit: string,
): Promise<CommitResult | null> {
  const head = (await git(['rev-parse', 'HEAD'], { cwd: workspacePath })).trim();
  if (head === (session.headCommit ?? baseCommit)) return null;
  if (!(await isDeliveryOf(workspacePath, head, session.id))) return null;
  const stat = await git(['diff', '--shortstat', baseCommit, head], { cwd: workspacePath });
  return { commit: head, ...parseShortStat(stat) };
}
