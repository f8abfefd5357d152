import { addUsage } from '../core/session.ts';
import { workspaceDiff } from '../forge/local-delivery.ts';
import { blockingFindings, formatFinding } from '../review/findings.ts';
import { runReview } from '../review/run-review.ts';
import type { CheckOutcome } from '../verify/check-outcome.ts';
import { checkLabel } from '../verify/checks.ts';
import type { GateVerdict } from '../verify/gate.ts';
import { mcpToolsFor } from './mcp-servers/session-mcp.ts';
import type { PhaseResult } from './phases.ts';
import { findingResponses, reopenAgent } from './session-checkpoint.ts';
import { reviewerKnowledge } from './session-knowledge.ts';
import { runGit, type SessionRun, save, saveArtifact } from './session-run.ts';

/** Reviewer rounds before drydock bows out with the findings still open. */
export const MAX_REVIEW_ROUNDS = 3;

/** reviewing: a reviewer with a clean context; blocking findings go back to the coder, up to a cap. */
export async function review(run: SessionRun, maxRounds = MAX_REVIEW_ROUNDS): Promise<PhaseResult> {
  const { gate, agent } = run.checkpoint;
  // This turn's rounds count against the cap; the session's number them (a follow-up goes on from them).
  const turnRound = gate.reviewRounds + 1;
  const round = (gate.earlierReviewRounds ?? 0) + turnRound;
  const session = run.recorder.session;
  const responses = findingResponses(agent);
  // The reviewer reads the change the gate judged, not one computed a second time.
  const diff = run.judgedDiff ?? (await workspaceDiff(runGit(run), run.baseCommit));
  run.judgedDiff = undefined;
  const result = await runReview({
    reviewer: run.router.resolve('reviewer'),
    summarizer: run.router.resolve('summarizer'),
    sandbox: run.view,
    redact: run.redact,
    round,
    task: session.task,
    diff,
    checksSummary: describeVerdict(gate.lastVerdict, gate.lastAfter ?? []),
    knowledge: await reviewerKnowledge(run, diff),
    extraTools: mcpToolsFor(run.mcp, 'reviewer'),
    previous: gate.findings.map((finding) => {
      const response = responses.get(finding.id);
      return response ? { finding, response } : { finding };
    }),
    recordEvents: (events) => save(run, events),
    recordLive: async (events) => {
      await run.recorder.record(events);
    },
    saveArtifact: (name, content) => saveArtifact(run, `review-${round}-${name}`, content),
    nowMs: () => run.deps.clock.now().getTime(),
    signal: run.signal,
  });
  const usage = addUsage(agent.usage, result.usage);
  if (result.kind === 'failed') {
    run.checkpoint = {
      ...run.checkpoint,
      agent: { ...agent, usage },
      gate: { ...gate, reviewRounds: turnRound },
    };
    await save(run);
    return { kind: 'end', state: 'bowed_out', reason: result.reason };
  }
  const open = blockingFindings(result.findings);
  const reopen = open.length > 0 && turnRound < maxRounds;
  const message = [
    `A reviewer read your change (round ${turnRound} of at most ${maxRounds}) and found:`,
    ...result.findings.map((finding) => `- ${formatFinding(finding)}`),
    'Answer every finding with respond_to_finding: fix it and answer "fixed", or answer "rejected" with the reason it ' +
      'does not apply. Then run the checks and call finish again.',
  ].join('\n');
  run.checkpoint = {
    ...run.checkpoint,
    agent: reopen ? reopenAgent({ ...agent, usage }, message) : { ...agent, usage },
    gate: {
      ...gate,
      reviewRounds: turnRound,
      findings: [...gate.findings, ...result.findings],
      openFindings: open,
      reviewSummary: result.summary,
      unansweredReminded: false,
    },
  };
  await save(run, [
    {
      type: 'review.completed',
      round,
      approved: open.length === 0,
      summary: result.summary,
      findings: result.findings,
    },
  ]);
  if (open.length === 0) {
    // The coder's summary of the change goes with it to delivery.
    const { outcome } = run.checkpoint.agent;
    return { kind: 'done', patch: { summary: outcome?.kind === 'finished' ? outcome.summary : '' } };
  }
  if (reopen) return { kind: 'rework', reason: 'the reviewer found problems; the coder answers them' };
  return {
    kind: 'end',
    state: 'bowed_out',
    reason: `the reviewer still has ${open.length} critical or major findings after ${turnRound} rounds: ${open.map((f) => `${f.severity} ${f.file}`).join(', ')}`,
  };
}

function describeVerdict(verdict: GateVerdict | null, after: readonly CheckOutcome[]): string {
  if (after.length === 0) return 'The repository has no checks drydock could find.';
  const lines = after.map((outcome) => {
    const tests = outcome.tests?.parsed
      ? `${outcome.tests.summary.passed} passed, ${outcome.tests.summary.failed} failed`
      : `exit ${outcome.exitCode}`;
    return `- \`${checkLabel(outcome.check)}\`: ${tests}`;
  });
  if (verdict?.warnings.length) lines.push(...verdict.warnings.map((warning) => `- warning: ${warning}`));
  return lines.join('\n');
}
