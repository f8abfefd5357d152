import { CHANGE_REVIEW_ARTIFACT, type ChangeReview, describeCounts } from '../../core/change-review.ts';
import { InternalError } from '../../core/errors.ts';
import { addUsage } from '../../core/session.ts';
import { parseUnifiedDiff } from '../../core/unified-diff.ts';
import { handOverWrites } from '../../environments/tree-owner.ts';
import { integrateCommit } from '../../forge/integrate-commit.ts';
import { workspaceChange } from '../../forge/local-delivery.ts';
import { changeReviewMarkdown } from '../../review/change-review-markdown.ts';
import { blockingFindings } from '../../review/findings.ts';
import { runChangeReview } from '../../review/run-change-review.ts';
import { decideGate } from '../../verify/gate.ts';
import { runChecks } from '../../verify/run-checks.ts';
import { findSoftSignals } from '../../verify/soft-signals.ts';
import { gateRoundEvents } from '../check-summary.ts';
import { setUp } from '../phase-setup.ts';
import { readRepoInstructions } from '../phase-work.ts';
import type { PhaseResult, WorkPhase } from '../phases.ts';
import { reviewerKnowledge } from '../session-knowledge.ts';
import { runGit, type SessionRun, save, saveArtifact } from '../session-run.ts';
import { reviewRange } from './create-review-session.ts';
import { readChangeReview } from './read-change-review.ts';
import { checkEvidence, describeVerification } from './review-verification.ts';

/**
 * A `review` session's phases (docs/review.md), by the state it is in while each runs: the baseline on
 * the base commit as for any session (setup), then instead of a coder the change is taken in (working),
 * the checks run on it (verifying), and the reviewer reviews it with evidence (reviewing), which ends
 * review.json; delivering hands the review over (review.md) and ends the session `delivered`, never
 * with a branch.
 */
export const REVIEW_PHASES: Record<WorkPhase, (run: SessionRun) => Promise<PhaseResult>> = {
  setup: setUp,
  working: takeInChange,
  verifying: checkChange,
  reviewing: reviewWithEvidence,
  delivering: handOverReview,
};

/** The change's head commit, which a review session has from its creation. */
function headOf(run: SessionRun): string {
  const head = run.recorder.session.headCommit;
  if (head === null)
    throw new InternalError('review_change_unusable', 'The review session has no head commit.');
  return head;
}

/**
 * The workspace at exactly the change: back to the base commit (untracked files gone, ignored ones such
 * as installed dependencies kept), then base..head applied from the user's repository, uncommitted. The
 * user's working tree, index and refs are only read (integrateCommit fetches by commit, confined).
 */
async function restoreChange(run: SessionRun): Promise<string[]> {
  const git = runGit(run);
  await git.run(['checkout', '--quiet', '--force', run.baseCommit, '--', '.']);
  await git.run(['clean', '-ffdq']);
  const head = headOf(run);
  const taken = await integrateCommit(git, {
    path: run.recorder.session.repo,
    baseCommit: run.baseCommit,
    headCommit: head,
    ref: head,
  });
  await handOverWrites(git.workspace);
  if (taken.conflicts.length > 0)
    throw new InternalError(
      'review_change_unusable',
      `The change did not apply to its own merge base: ${taken.conflicts.join(', ')}`,
    );
  return taken.files;
}

/** working, for a review: the change goes into the workspace in place of a coder's work. */
async function takeInChange(run: SessionRun): Promise<PhaseResult> {
  const files = await restoreChange(run);
  return {
    kind: 'done',
    events: [{ type: 'change.taken_in', baseCommit: run.baseCommit, headCommit: headOf(run), files }],
  };
}

/** verifying, for a review: the checks on the change, against the baseline, as evidence. Never reworks. */
async function checkChange(run: SessionRun): Promise<PhaseResult> {
  const { gate } = run.checkpoint;
  const session = run.recorder.session;
  const { diff, nestedRepositories } = await workspaceChange(runGit(run), run.baseCommit);
  if (diff.trim() === '') {
    return { kind: 'end', state: 'bowed_out', reason: 'the change between base and head changes no file' };
  }
  const files = parseUnifiedDiff(diff);
  const round = gate.verifyRounds + 1;
  const after = await runChecks(run.view, gate.checks ?? [], {
    signal: run.signal,
    saveOutput: (check, output) => saveArtifact(run, `round-${round}-${check.name}.txt`, output),
  });
  const verdict = decideGate({
    task: session.task,
    summary: '',
    baseline: gate.baseline ?? [],
    after,
    signals: findSoftSignals(files, { task: session.task, nestedRepositories }),
    touchedFiles: files.map((file) => file.path),
  });
  run.checkpoint = {
    ...run.checkpoint,
    gate: { ...gate, verifyRounds: round, lastAfter: after, lastVerdict: verdict },
  };
  run.judgedDiff = diff;
  await save(run, [...gateRoundEvents(round, after, verdict)]);
  return { kind: 'done' };
}

/**
 * reviewing, for a review: the reviewer with evidence (run-change-review.ts), then the review stored
 * (review.json) and recorded (review.completed), its summary the session's.
 */
async function reviewWithEvidence(run: SessionRun): Promise<PhaseResult> {
  const { gate, agent } = run.checkpoint;
  const session = run.recorder.session;
  const round = (gate.earlierReviewRounds ?? 0) + gate.reviewRounds + 1;
  // A resumed run (or the checks' leftovers) may have left files: the reviewer starts on the change.
  let diff = run.judgedDiff;
  run.judgedDiff = undefined;
  if (diff === undefined) {
    await restoreChange(run);
    diff = (await workspaceChange(runGit(run), run.baseCommit)).diff;
  }
  const instructions = await readRepoInstructions(run.view);
  const result = await runChangeReview({
    reviewer: run.router.resolve('reviewer'),
    summarizer: run.router.resolve('summarizer'),
    sandbox: run.sandbox,
    redact: run.redact,
    round,
    task: session.task,
    ...(instructions ? { instructions } : {}),
    knowledge: await reviewerKnowledge(run, diff),
    verification: describeVerification(gate.baseline ?? [], gate.lastAfter ?? [], gate.lastVerdict),
    diff,
    checks: checkEvidence(gate.baseline ?? [], gate.lastAfter ?? []),
    restore: async () => {
      await restoreChange(run);
    },
    recordEvents: (events) => save(run, events),
    recordLive: async (events) => {
      await run.recorder.record(events);
    },
    saveArtifact: (name, content) => saveArtifact(run, `review-${round}-${name}`, content),
    nowMs: () => run.deps.clock.now().getTime(),
    signal: run.signal,
    maxCostUsd: run.deps.budget.maxCostUsd,
    ...(run.observer.onModelWait ? { onModelWait: run.observer.onModelWait } : {}),
  });
  // What the reviewer wrote goes: the workspace (the session's diff, its last snapshot) is the change alone.
  await restoreChange(run);
  const usage = addUsage(agent.usage, result.usage);
  run.checkpoint = {
    ...run.checkpoint,
    agent: { ...agent, usage },
    gate: { ...gate, reviewRounds: gate.reviewRounds + 1 },
  };
  if (result.kind === 'failed') {
    await save(run);
    return { kind: 'end', state: 'bowed_out', reason: result.reason };
  }
  const { base, head } = reviewRange(session);
  const review: ChangeReview = {
    version: 1,
    base,
    head,
    baseCommit: run.baseCommit,
    headCommit: headOf(run),
    ...result.review,
  };
  await saveArtifact(run, CHANGE_REVIEW_ARTIFACT, JSON.stringify(review, null, 2), 'application/json');
  const blocking = blockingFindings(review.findings);
  run.checkpoint = {
    ...run.checkpoint,
    gate: {
      ...run.checkpoint.gate,
      findings: [...gate.findings, ...review.findings],
      openFindings: blocking,
      reviewSummary: review.summary,
    },
  };
  // Saved with the checkpoint: the session's usage takes in what the reviewer cost.
  await save(run, [
    {
      type: 'review.completed',
      round,
      approved: blocking.length === 0,
      summary: review.summary,
      findings: review.findings,
      verified: review.verified,
      dropped: review.dropped.length,
    },
  ]);
  return { kind: 'done', patch: { summary: review.summary } };
}

/**
 * delivering, for a review: the review goes out as the session's document (review.md, what `drydock
 * show` and the session's page show) and the session ends delivered. No commit, no branch.
 */
async function handOverReview(run: SessionRun): Promise<PhaseResult> {
  const review = await readChangeReview(run.deps.store, run.recorder.session.id);
  if (review === null) {
    return {
      kind: 'end',
      state: 'failed',
      reason: 'the review was not stored, so there is none to hand over',
    };
  }
  await saveArtifact(run, 'review.md', changeReviewMarkdown(review), 'text/markdown');
  return { kind: 'end', state: 'delivered', reason: `reviewed: ${describeCounts(review)}` };
}
