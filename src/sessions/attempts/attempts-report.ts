import type { AttemptEvidence, AttemptsChoice } from '../../core/attempts.ts';
import { plural } from '../../core/plural.ts';
import type { AttemptsState } from '../session-checkpoint.ts';

/** An attempts session's part of the PR description: how many ran, the ranking, why this one. Pure. */
export function attemptsText(choice: AttemptsChoice): string {
  const candidates = choice.ranking.filter((e) => e.candidate).length;
  const lines = [
    `## Attempts\n\n${plural(choice.ranking.length, 'attempt')} ran; ${plural(candidates, 'attempt')} passed the gate and the review. This change is ${choice.winnerId ? `\`${choice.winnerId}\`'s` : 'none of theirs'}.`,
    `**Why this one:** ${choice.reason}`,
    choice.judge ? `**The judge** (${choice.judge.model}) said: ${quote(choice.judge.verdict)}` : '',
    rankingTable(choice.ranking),
  ];
  return lines.filter((line) => line !== '').join('\n\n');
}

/** An attempts session's bow-out: every attempt, its model, how it ended and what failed. Pure. */
export function attemptsBowOutText(state: AttemptsState): string {
  const { choice, failures } = state;
  const sections = failures.map((failure) => {
    const lines = [
      `### Attempt ${failure.number}: \`${failure.sessionId}\` (${failure.model}), ${failure.state === 'bowed_out' ? 'bowed out' : failure.state}`,
      failure.reason ? `**Why:** ${failure.reason}` : '',
      failure.problems.length > 0
        ? `The gate's problems:\n${failure.problems.map((problem) => `- ${oneLine(problem)}`).join('\n')}`
        : '',
      failure.findings.length > 0
        ? `The reviewer's open findings:\n${failure.findings.map((finding) => `- ${oneLine(finding)}`).join('\n')}`
        : '',
      `Its steps: \`drydock show ${failure.sessionId}\`, \`drydock logs ${failure.sessionId}\`.`,
    ];
    return lines.filter((line) => line !== '').join('\n\n');
  });
  return [`## Attempts\n\n${choice.reason}.`, rankingTable(choice.ranking), ...sections].join('\n\n');
}

/** The ranking as a Markdown table, best first. Pure. */
function rankingTable(ranking: readonly AttemptEvidence[]): string {
  const header =
    '| attempt | model | outcome | FAIL_TO_PASS | PASS_TO_PASS | regressions | findings | diff | cost |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const rows = ranking.map(
    (e) =>
      `| \`${e.sessionId}\` | ${e.model} | ${outcomeOf(e)} | ${e.failToPass} | ${e.passToPass} | ${e.regressions} | ${findingsOf(e)} | ${diffOf(e)} | $${e.costUsd.toFixed(4)} |`,
  );
  return [header, ...rows].join('\n');
}

/**
 * `drydock show` of an attempts session: the attempts side by side (best first) and why the winner won,
 * in plain text. Pure.
 */
export function formatAttempts(choice: AttemptsChoice): string {
  const header = ['ATTEMPT', 'MODEL', 'OUTCOME', 'F2P', 'P2P', 'REGR', 'FINDINGS', 'DIFF', 'COST'];
  const rows = choice.ranking.map((e) => [
    `${e.sessionId === choice.winnerId ? '* ' : '  '}${e.sessionId}`,
    e.model,
    outcomeOf(e),
    String(e.failToPass),
    String(e.passToPass),
    String(e.regressions),
    findingsOf(e),
    diffOf(e),
    `$${e.costUsd.toFixed(4)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const why = choice.ranking.map((e) => `  ${e.sessionId}: ${e.why}`);
  return [
    `attempts (* delivered):`,
    line(header),
    ...rows.map(line),
    '',
    choice.winnerId ? `chosen: ${choice.reason}` : `none chosen: ${choice.reason}`,
    ...(choice.judge ? [`judge (${choice.judge.model}): ${choice.judge.verdict}`] : []),
    ...why,
  ].join('\n');
}

function outcomeOf(e: AttemptEvidence): string {
  if (e.candidate) return 'candidate';
  return e.state === 'bowed_out' ? 'bowed out' : e.state;
}

function findingsOf(e: AttemptEvidence): string {
  const parts = (['critical', 'major', 'minor', 'nit'] as const)
    .filter((severity) => e.findings[severity] > 0)
    .map((severity) => `${e.findings[severity]} ${severity}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

function diffOf(e: AttemptEvidence): string {
  return e.diff ? `+${e.diff.insertions} -${e.diff.deletions} (${plural(e.diff.files, 'file')})` : '-';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function quote(text: string): string {
  return `“${oneLine(text)}”`;
}
