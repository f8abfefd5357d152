import { describeCost, type Session } from '../core/session.ts';
import type { Finding, FindingResponse } from '../review/findings.ts';
import { formatFinding } from '../review/findings.ts';
import type { CheckOutcome } from '../verify/check-outcome.ts';
import { checkLabel } from '../verify/checks.ts';
import type { GateVerdict } from '../verify/gate.ts';
import type { FriendTally } from './session-checkpoint.ts';

export interface ReportInput {
  session: Session;
  summary: string;
  baseline: readonly CheckOutcome[];
  after: readonly CheckOutcome[];
  verdict: GateVerdict | null;
  findings: readonly Finding[];
  responses: ReadonlyMap<string, FindingResponse>;
  openFindings: readonly Finding[];
  reviewSummary: string | null;
  /** The smart friend's consults, when it was consulted at all. */
  friend?: FriendTally;
}

/** The pull request description: summary, verification evidence, review, warnings, cost. Pure. */
export function pullRequestDescription(input: ReportInput): string {
  const { session } = input;
  return [
    `## Summary\n\n${input.summary}\n\nTask: ${session.task}`,
    `## Verification\n\n${checksTable(input.baseline, input.after)}${failToPassText(input.verdict)}`,
    `## Review\n\n${reviewText(input)}`,
    detectionText(input.verdict),
    input.verdict && input.verdict.warnings.length > 0
      ? `## Warnings\n\n${input.verdict.warnings.map((warning) => `- ${warning}`).join('\n')}`
      : '',
    `## Cost\n\n${costLine(session)}${friendShare(input)}`,
    `---\nMade by drydock session \`${session.id}\`.`,
  ]
    .filter((part) => part !== '')
    .join('\n\n');
}

/** The friend's part of the cost: ` Of this, $0.0420 for 2 consults of the friend (model …).` Pure. */
function friendShare(input: ReportInput): string {
  const { friend, session } = input;
  if (!friend || friend.consults === 0) return '';
  const consults = friend.consults === 1 ? '1 consult' : `${friend.consults} consults`;
  return ` Of this, $${friend.costUsd.toFixed(4)} (${friend.inputTokens} input and ${friend.outputTokens} output tokens) for ${consults} of the friend (model ${session.friendModel ?? 'unknown'}).`;
}

/** Why drydock bowed out: what was tried, what failed, what a human should look at. Pure. */
export function bowOutReport(input: ReportInput & { reason: string }): string {
  const failing = input.after.filter((outcome) => outcome.exitCode !== 0 || outcome.timedOut);
  return [
    `# drydock bowed out\n\n**Why:** ${input.reason}\n\nTask: ${input.session.task}`,
    input.summary ? `## What the agent did\n\n${input.summary}` : '',
    input.verdict && input.verdict.problems.length > 0
      ? `## What failed\n\n${input.verdict.problems.map((problem) => `- ${problem}`).join('\n')}`
      : '',
    input.after.length > 0 ? `## Checks\n\n${checksTable(input.baseline, input.after)}` : '',
    detectionText(input.verdict),
    ...failing.map((outcome) => `### ${checkLabel(outcome.check)}\n\n\`\`\`\n${outcome.outputTail}\n\`\`\``),
    input.openFindings.length > 0
      ? `## Open review findings\n\n${input.openFindings.map((finding) => `- ${formatFinding(finding)}`).join('\n')}`
      : '',
    `## Where to look\n\nThe workspace and the full event log: \`drydock show ${input.session.id}\`, \`drydock logs ${input.session.id}\`.`,
  ]
    .filter((part) => part !== '')
    .join('\n\n');
}

/**
 * Checks whose per-test results drydock could not read: judged by exit code instead, which a reader
 * should know (and which usually means drydock's detection needs a config: docs/verification.md).
 */
function detectionText(verdict: GateVerdict | null): string {
  const errors = verdict?.detectionErrors ?? [];
  if (errors.length === 0) return '';
  return `## Test results drydock could not read\n\n${errors.map((error) => `- ${error}`).join('\n')}\n\nSee what drydock detects and runs with \`drydock checks <repo>\`; set the command under \`checks:\` in .drydock/config.yaml.`;
}

function checksTable(baseline: readonly CheckOutcome[], after: readonly CheckOutcome[]): string {
  if (after.length === 0 && baseline.length === 0) return 'No checks were found in this repository.\n';
  const rows = after.map((outcome) => {
    const before = baseline.find((b) => b.check.name === outcome.check.name);
    return `| \`${checkLabel(outcome.check)}\` | ${describe(before)} | ${describe(outcome)} |`;
  });
  return `| check | base commit | with the change |\n| --- | --- | --- |\n${rows.join('\n')}\n`;
}

function describe(outcome: CheckOutcome | undefined): string {
  if (!outcome) return 'not run';
  const status = outcome.timedOut
    ? 'timed out'
    : outcome.exitCode === 0
      ? 'passed'
      : `failed (exit ${outcome.exitCode})`;
  const tests = outcome.tests?.parsed
    ? `: ${outcome.tests.summary.passed} passed, ${outcome.tests.summary.failed} failed, ${outcome.tests.summary.skipped} skipped`
    : outcome.testsUnreadable
      ? ': tests unknown'
      : '';
  const diagnostics =
    outcome.diagnostics && outcome.diagnostics.length > 0
      ? `: ${outcome.diagnostics.length} diagnostics`
      : '';
  return `${status}${tests}${diagnostics}`;
}

function failToPassText(verdict: GateVerdict | null): string {
  if (!verdict) return '';
  const f2p = verdict.failToPass.length > 0 ? verdict.failToPass.map((id) => `\`${id}\``).join(', ') : 'none';
  return `\nFAIL_TO_PASS (now passing): ${f2p}. PASS_TO_PASS (still passing): ${verdict.passToPass} tests.\n`;
}

function reviewText(input: ReportInput): string {
  const lines = [input.reviewSummary ? `Reviewer: ${input.reviewSummary}` : 'No review recorded.'];
  for (const finding of input.findings) {
    const response = input.responses.get(finding.id);
    const resolution = response ? `${response.decision}: ${response.reason}` : 'no answer';
    lines.push(`- ${formatFinding(finding)}\n  - ${resolution}`);
  }
  return lines.join('\n');
}

/** Calls, tokens (with the cached share, which is what makes a long session affordable) and cost. Pure. */
export function costLine(session: Pick<Session, 'steps' | 'usage' | 'model'>): string {
  const { usage } = session;
  const cached = [
    usage.cacheReadTokens ? `${usage.cacheReadTokens} read from cache` : '',
    usage.cacheWriteTokens ? `${usage.cacheWriteTokens} written to cache` : '',
  ].filter((part) => part !== '');
  const input = `${usage.inputTokens} input${cached.length > 0 ? ` (${cached.join(', ')})` : ''}`;
  const output = `${usage.outputTokens} output${usage.reasoningTokens ? ` (${usage.reasoningTokens} reasoning)` : ''}`;
  return `${session.steps} model calls, ${input} and ${output} tokens, ${describeCost(usage)} (model ${session.model}).`;
}
