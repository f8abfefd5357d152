import { createHash } from 'node:crypto';
import { type ChangeReview, describeCounts } from '../core/change-review.ts';
import type { ReviewFinding } from '../core/events.ts';
import { truncateText } from '../core/truncate.ts';
import { parseUnifiedDiff } from '../core/unified-diff.ts';
import type { PostedFinding } from './review-link.ts';

/** The marker of drydock's summary review: people and drydock tell it from other reviews by it. */
export const SUMMARY_MARKER = '<!-- drydock-review -->';
const EVIDENCE_TAIL_CHARS = 2_000;

/**
 * A finding's identity across pushes: its file and a hash of its explanation (whitespace and case
 * folded), so the same finding on a later review is recognised even when its line moved. Pure.
 */
export function findingKey(finding: Pick<ReviewFinding, 'file' | 'explanation'>): string {
  const text = finding.explanation.trim().replace(/\s+/g, ' ').toLowerCase();
  return `${finding.file}#${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

/** The lines of each file a review comment may sit on: the new side of the diff's hunks. Pure. */
export function commentableLines(diff: string): Map<string, Set<number>> {
  const lines = new Map<string, Set<number>>();
  for (const file of parseUnifiedDiff(diff)) {
    if (file.newPath === null) continue;
    const set = new Set<number>();
    for (const hunk of file.hunks)
      for (const line of hunk.lines) {
        if ((line.kind === 'add' || line.kind === 'context') && line.newLine !== null) set.add(line.newLine);
      }
    lines.set(file.newPath, set);
  }
  return lines;
}

/**
 * A suggested fix that is one line of code (a code span, or a fence holding one line) replaces the
 * commented line: it becomes a GitHub suggestion the author applies with a click. Anything else stays
 * text. Returns the line, or null. Pure.
 */
export function oneLineReplacement(suggestedFix: string | undefined): string | null {
  if (!suggestedFix) return null;
  const text = suggestedFix.trim();
  const fence = /^```[\w+-]*\n([^\n]*)\n```$/.exec(text);
  if (fence) return fence[1]!;
  const span = /^`([^`\n]+)`$/.exec(text);
  return span ? span[1]! : null;
}

function evidenceBlock(finding: ReviewFinding): string[] {
  const evidence = finding.evidence;
  if (!evidence) return [];
  const exit =
    evidence.exitCode === undefined || evidence.exitCode === null ? '' : `, exit ${evidence.exitCode}`;
  const output = truncateText(evidence.output, EVIDENCE_TAIL_CHARS, { keep: 'tail' });
  return [
    '',
    '<details>',
    `<summary>Evidence (${evidence.verified ? 'verified' : 'not verified'}): <code>${escapeHtml(evidence.command)}</code>${exit}</summary>`,
    '',
    '```',
    output.replaceAll('```', '`\u200b``'),
    '```',
    '</details>',
  ];
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function severityLine(finding: ReviewFinding): string {
  const lowered = finding.downgradedFrom ? ` (was ${finding.downgradedFrom}: not shown)` : '';
  return `**${finding.severity}**${lowered}: ${finding.explanation}`;
}

/** An inline comment for a finding: severity and explanation, the fix (a suggestion when it can be), the evidence. Pure. */
export function findingCommentBody(finding: ReviewFinding): string {
  const lines = [severityLine(finding)];
  const replacement = oneLineReplacement(finding.suggestedFix);
  if (replacement !== null) lines.push('', '```suggestion', replacement, '```');
  else if (finding.suggestedFix) lines.push('', `Suggested fix: ${finding.suggestedFix}`);
  lines.push(...evidenceBlock(finding));
  lines.push('', `<sub>Reply \`@drydock fix this\` to have drydock fix it.</sub>`);
  lines.push(`<!-- drydock-finding:${findingKey(finding)} -->`);
  return lines.join('\n');
}

/** The key a drydock comment carries, or null. Pure. */
export function keyOfComment(body: string): string | null {
  return /<!-- drydock-finding:(\S+) -->/.exec(body)?.[1] ?? null;
}

export interface ReviewPlan {
  /** Findings to post as inline comments: new, on a line of the diff. */
  inline: Array<ReviewFinding & { line: number }>;
  /** Findings listed in the summary: no line, or a line outside the diff. */
  inBody: ReviewFinding[];
  /** Inline comments already posted for findings that still stand: left as they are. */
  kept: PostedFinding[];
  /** Inline comments of findings that are gone: their threads are resolved. */
  gone: PostedFinding[];
}

/**
 * What a review posts on a pull request, given what the previous review posted (null: the first). Pure.
 * A finding still standing keeps its comment (never posted twice); a new one goes inline when its line is in
 * the diff, else into the summary; a commented finding that is gone is resolved.
 */
export function planReview(
  findings: readonly ReviewFinding[],
  diffLines: ReadonlyMap<string, ReadonlySet<number>>,
  previous: readonly PostedFinding[] | null,
): ReviewPlan {
  const posted = new Map<string, PostedFinding>();
  for (const each of previous ?? []) if (each.commentId !== null) posted.set(each.key, each);
  const standing = new Set<string>();
  const plan: ReviewPlan = { inline: [], inBody: [], kept: [], gone: [] };
  for (const finding of findings) {
    const key = findingKey(finding);
    if (standing.has(key)) continue;
    standing.add(key);
    const old = posted.get(key);
    if (old) plan.kept.push(old);
    else if (finding.line !== undefined && diffLines.get(finding.file)?.has(finding.line))
      plan.inline.push({ ...finding, line: finding.line });
    else plan.inBody.push(finding);
  }
  plan.gone = [...posted.values()].filter((each) => !standing.has(each.key));
  return plan;
}

function bodyFinding(finding: ReviewFinding): string[] {
  const where = finding.line ? `${finding.file}:${finding.line}` : finding.file;
  const lines = [`#### \`${where}\``, '', severityLine(finding)];
  if (finding.suggestedFix) lines.push('', `Suggested fix: ${finding.suggestedFix}`);
  lines.push(...evidenceBlock(finding));
  return lines;
}

/** The summary review's body: the counts, the summary, the findings that have no inline comment, what was fixed. Pure. */
export function summaryBody(input: {
  review: ChangeReview;
  headSha: string;
  inBody: readonly ReviewFinding[];
  inlineCount: number;
  fixed: readonly PostedFinding[];
  sessionUrl: string;
}): string {
  const { review } = input;
  const lines = [
    SUMMARY_MARKER,
    `## drydock review of ${input.headSha.slice(0, 12)}`,
    '',
    `${describeCounts(review)}.`,
    '',
    review.summary,
  ];
  if (input.inlineCount > 0) {
    lines.push(
      '',
      `${input.inlineCount} finding${input.inlineCount === 1 ? ' is' : 's are'} commented inline.`,
    );
  }
  if (input.inBody.length > 0) {
    lines.push('', '### Findings outside the diff');
    for (const finding of input.inBody) lines.push('', ...bodyFinding(finding));
  }
  if (input.fixed.length > 0) {
    lines.push('', `### Fixed since the last review`, '');
    for (const finding of input.fixed)
      lines.push(`- \`${finding.file}${finding.line ? `:${finding.line}` : ''}\`: ${finding.explanation}`);
  }
  lines.push('', `---`, `drydock session: ${input.sessionUrl}`);
  return lines.join('\n');
}
