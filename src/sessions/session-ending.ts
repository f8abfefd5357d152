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
import { bowOutReport, pullRequestDescription, type ReportInput } from './reports.ts';
import { findingResponses } from './session-checkpoint.ts';
import { runGit, type SessionRun, saveArtifact } from './session-run.ts';

// How a run ends: delivered (drydock commits and hands the branch over), or bowed out, failed or
// cancelled, with the report the reason calls for.

function reportInput(run: SessionRun): ReportInput {
  const { gate, agent } = run.checkpoint;
  const outcome = agent.outcome;
  return {
    session: run.recorder.session,
    summary: outcome?.kind === 'finished' ? outcome.summary : '',
    baseline: gate.baseline ?? [],
    after: gate.lastAfter ?? [],
    verdict: gate.lastVerdict,
    findings: gate.findings,
    responses: findingResponses(agent),
    openFindings: gate.openFindings,
    reviewSummary: gate.reviewSummary,
  };
}

export async function finishWithout(
  run: SessionRun,
  state: 'bowed_out' | 'failed' | 'cancelled',
  reason: string,
) {
  if (state === 'bowed_out') {
    await saveArtifact(run, 'report.md', bowOutReport({ ...reportInput(run), reason }), 'text/markdown');
  }
  await run.recorder.transition(state, { reason, patch: { reason } });
  return run.recorder.session;
}

export async function deliver(run: SessionRun): Promise<Session> {
  const { recorder } = run;
  const outcome = run.checkpoint.agent.outcome;
  const summary = outcome?.kind === 'finished' ? outcome.summary : '';
  // A run that died while delivering left the session here: deliver again, idempotently.
  if (recorder.session.state !== 'delivering')
    await recorder.transition('delivering', { patch: { summary } });
  const session = recorder.session;
  const title = session.task.split('\n', 1)[0]!.slice(0, 72);
  const committed =
    (await commitWorkspace(runGit(run), {
      baseCommit: session.baseCommit!,
      message: `${title}\n\n${summary}\n\n${deliveryTrailer(session.id)}`,
      coAuthor: session.requestedBy ?? (await gitUser(session.repo)),
    })) ?? (await unrecordedCommit(run.workspacePath, session));
  if (!committed) {
    if (session.headCommit !== null) {
      // A follow-up turn that changed nothing (an answer, not a change): the branch stays where it is.
      await recorder.transition('delivered', {
        reason: 'this turn changed no file; the branch is unchanged',
      });
      return recorder.session;
    }
    return finishWithout(
      run,
      'bowed_out',
      'the agent finished without changing any file, so there is nothing to deliver',
    );
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
  await saveArtifact(run, 'pull-request.md', pullRequestDescription(reportInput(run)), 'text/markdown');
  await recorder.transition('delivered', {
    patch: { branch, headCommit: committed.commit },
    events: [
      {
        type: 'delivery.committed',
        commit: committed.commit,
        filesChanged: committed.filesChanged,
        insertions: committed.insertions,
        deletions: committed.deletions,
      },
      { type: 'delivery.branch', branch, repo: session.repo, commit: committed.commit },
    ],
  });
  return recorder.session;
}

/**
 * The delivery commit a run made in the workspace and died before recording (a plain clone keeps
 * it; a layered workspace resumes from the snapshot before it and commits again): HEAD, when it is
 * not the recorded head and its message names this session. Null otherwise.
 */
async function unrecordedCommit(workspacePath: string, session: Session): Promise<CommitResult | null> {
  const head = (await git(['rev-parse', 'HEAD'], { cwd: workspacePath })).trim();
  if (head === (session.headCommit ?? session.baseCommit)) return null;
  if (!(await isDeliveryOf(workspacePath, head, session.id))) return null;
  const stat = await git(['diff', '--shortstat', session.baseCommit!, head], { cwd: workspacePath });
  return { commit: head, ...parseShortStat(stat) };
}
