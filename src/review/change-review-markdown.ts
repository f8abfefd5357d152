import { type ChangeReview, describeCounts } from '../core/change-review.ts';
import type { ReviewFinding } from '../core/events.ts';

function where(finding: ReviewFinding): string {
  return finding.line ? `${finding.file}:${finding.line}` : finding.file;
}

function findingBlock(finding: ReviewFinding, extra?: string): string[] {
  const lowered = finding.downgradedFrom ? ` (was ${finding.downgradedFrom}: not shown)` : '';
  const lines = [`### ${finding.severity}${lowered}: \`${where(finding)}\``, '', finding.explanation];
  if (extra) lines.push('', extra);
  if (finding.suggestedFix) lines.push('', `Suggested fix: ${finding.suggestedFix}`);
  const evidence = finding.evidence;
  if (evidence) {
    lines.push(
      '',
      `Evidence (${evidence.verified ? 'verified' : 'not verified'}): \`${evidence.command}\`${evidence.exitCode === undefined || evidence.exitCode === null ? '' : `, exit ${evidence.exitCode}`}`,
      '',
      '```',
      evidence.output,
      '```',
    );
  }
  return lines;
}

/** The review as a document, for `drydock show` and the session's page. Pure. */
export function changeReviewMarkdown(review: ChangeReview): string {
  const lines = [
    `# Review of ${review.base}..${review.head}`,
    '',
    `${review.baseCommit.slice(0, 10)}..${review.headCommit.slice(0, 10)}${review.parts > 1 ? `, reviewed in ${review.parts} parts` : ''}: ${describeCounts(review)}.`,
    '',
    review.summary,
  ];
  for (const finding of review.findings) lines.push('', ...findingBlock(finding));
  if (review.dropped.length > 0) {
    lines.push('', '## Dropped (their own evidence went against them)');
    for (const finding of review.dropped)
      lines.push('', ...findingBlock(finding, `Dropped: ${finding.reason}.`));
  }
  return `${lines.join('\n')}\n`;
}
