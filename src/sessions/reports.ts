import { plural } from '../core/plural.ts';
import { describeCost, type Session } from '../core/session.ts';
import type { Finding, FindingResponse } from '../review/findings.ts';
import { formatFinding } from '../review/findings.ts';
import type { CheckOutcome } from '../verify/check-outcome.ts';
import { checkLabel } from '../verify/checks.ts';
import { isAboutFailingTests } from '../verify/fail-to-pass.ts';
import type { GateVerdict } from '../verify/gate.ts';
import { attemptsBowOutText, attemptsText } from './attempts/attempts-report.ts';
import { type Screenshot, screenshotsSection } from './screenshots-section.ts';
import type { AttemptsState, FriendTally } from './session-checkpoint.ts';

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
  /** An attempts session's choice: the PR says how many ran and why this one; a bow-out covers each. */
  attempts?: AttemptsState;
  /** The coder's browser screenshots, for the PR description's "Screenshots" section. */
  screenshots?: readonly Screenshot[];
}

/** The pull request description: summary, verification evidence, review, warnings, cost. Pure. */
export function pullRequestDescription(input: ReportInput): string {
  const { session } = input;
  return [
    `## Summary\n\n${input.summary}\n\nTask: ${session.task}`,
    input.attempts ? attemptsText(input.attempts.choice) : '',
    `## Verification\n\n${checksTable(input.baseline, input.after)}${failToPassText(input.verdict, session.task, input.baseline, input.after)}`,
    `## Review\n\n${reviewText(input)}`,
    screenshotsSection(session.id, input.screenshots ?? []),
    detectionText(input.verdict),
    input.verdict && input.verdict.warnings.length > 0
      ? `## Warnings\n\n${input.verdict.warnings.map((warning) => bullet(warning)).join('\n')}`
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
  const consults = plural(friend.consults, 'consult');
  return ` Of this, $${friend.costUsd.toFixed(4)} (${friend.inputTokens} input and ${friend.outputTokens} output tokens) for ${consults} of the friend (model ${session.friendModel ?? 'unknown'}).`;
}

/** Why drydock bowed out: what was tried, what failed, what a human should look at. Pure. */
export function bowOutReport(input: ReportInput & { reason: string }): string {
  const failing = input.after.filter((outcome) => outcome.exitCode !== 0 || outcome.timedOut);
  return [
    `# drydock bowed out\n\n**Why:** ${input.reason}\n\nTask: ${input.session.task}`,
    input.attempts ? attemptsBowOutText(input.attempts) : '',
    input.summary ? `## What the agent did\n\n${input.summary}` : '',
    input.verdict && input.verdict.problems.length > 0
      ? `## What failed\n\n${input.verdict.problems.map((problem) => bullet(problem)).join('\n')}`
      : '',
    input.after.length > 0 ? `## Checks\n\n${checksTable(input.baseline, input.after)}` : '',
    detectionText(input.verdict),
    ...failing.map((outcome) => `### ${checkLabel(outcome.check)}\n\n\`\`\`\n${outcome.outputTail}\n\`\`\``),
    input.openFindings.length > 0
      ? `## Open review findings\n\n${input.openFindings.map((finding) => bullet(formatFinding(finding))).join('\n')}`
      : '',
    `## Where to look\n\nEvery step the agent took is in session \`${input.session.id}\`'s timeline: its page in the web UI, or \`drydock show ${input.session.id}\` and \`drydock logs ${input.session.id}\`.`,
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
      ? `: ${plural(outcome.diagnostics.length, 'diagnostic')}`
      : '';
  return `${status}${tests}${diagnostics}`;
}

/**
 * FAIL_TO_PASS are the tests the gate required to pass: those the task names, or every test failing on
 * the base commit when the task is about failing tests. A test that failed there and passes now without
 * being required (the task named no test) is listed apart, so "none" never sits next to a table that
 * shows a failing test fixed. Pure.
 */
function failToPassText(
  verdict: GateVerdict | null,
  task: string,
  baseline: readonly CheckOutcome[],
  after: readonly CheckOutcome[],
): string {
  if (!verdict) return '';
  const code = (ids: readonly string[]) => ids.map((id) => `\`${id}\``).join(', ');
  const required = new Set(verdict.failToPass);
  const fixed = fixedTests(baseline, after).filter((id) => !required.has(id));
  const f2p =
    verdict.failToPass.length > 0 ? code(verdict.failToPass) : noFailToPassReason(task, baseline, after);
  const also = fixed.length > 0 ? ` Also passing now, after failing on the base commit: ${code(fixed)}.` : '';
  return `\nFAIL_TO_PASS (now passing): ${f2p}.${also} PASS_TO_PASS (still passing): ${plural(verdict.passToPass, 'test')}.\n`;
}

/** Why no test was required to pass, in the words of the gate's rule (fail-to-pass.ts). Pure. */
function noFailToPassReason(
  task: string,
  baseline: readonly CheckOutcome[],
  after: readonly CheckOutcome[],
): string {
  const readable = after.some(
    (outcome) =>
      outcome.tests?.parsed &&
      baseline.find((b) => b.check.name === outcome.check.name)?.tests?.parsed === true,
  );
  if (!readable)
    return 'none counted (per-test results were not read on both commits; the checks were judged by exit code)';
  if (isAboutFailingTests(task)) return 'none (no test failed on the base commit)';
  return 'none required (the task names no test and is not about failing tests)';
}

/** Tests that failed on the base commit and pass with the change, by check, in the order they ran. Pure. */
function fixedTests(baseline: readonly CheckOutcome[], after: readonly CheckOutcome[]): string[] {
  const fixed: string[] = [];
  for (const outcome of after) {
    const before = baseline.find((b) => b.check.name === outcome.check.name);
    if (!before?.tests?.parsed || !outcome.tests?.parsed) continue;
    const failedBefore = new Set(before.tests.tests.filter((t) => t.status === 'failed').map((t) => t.id));
    for (const test of outcome.tests.tests) {
      if (test.status === 'passed' && failedBefore.has(test.id) && !fixed.includes(test.id))
        fixed.push(test.id);
    }
  }
  return fixed;
}

function reviewText(input: ReportInput): string {
  // A blank line after the summary, so a list or a code block it ends with does not swallow the findings.
  const lines = [input.reviewSummary ? `Reviewer: ${input.reviewSummary}\n` : 'No review recorded.\n'];
  for (const finding of input.findings) {
    const response = input.responses.get(finding.id);
    const resolution = response ? `${response.decision}: ${response.reason}` : 'no answer';
    lines.push(bullet(formatFinding(finding)), bullet(resolution, 1));
  }
  return lines.join('\n');
}

/**
 * A Markdown list item at `depth` (0: top level) whose text may span lines: the lines after the first are
 * indented to the item's content, so they stay in it (a line at the margin would end the list, and a
 * finding's answer would no longer sit under its finding). Pure.
 */
export function bullet(text: string, depth = 0): string {
  const indent = '  '.repeat(depth);
  const [first = '', ...rest] = text.trim().split('\n');
  return [
    `${indent}- ${first}`,
    ...rest.map((line) => (line.trim() === '' ? '' : `${indent}  ${line}`)),
  ].join('\n');
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
  return `${plural(session.steps, 'model call')}, ${input} and ${output} tokens, ${describeCost(usage)} (model ${session.model}).`;
}
