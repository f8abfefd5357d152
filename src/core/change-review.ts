import { z } from 'zod';
import { BadInputError } from './errors.ts';
import type { ReviewFinding } from './events.ts';

/** A finding's severities, most severe first. */
export const REVIEW_SEVERITIES = ['critical', 'major', 'minor', 'nit'] as const;
export type ReviewSeverity = (typeof REVIEW_SEVERITIES)[number];

/**
 * A review of an existing change (a `review` session): what `drydock review` prints and a forge bot
 * posts. Stored as the session's `review.json` artifact; read back through `parseChangeReview` only.
 */
export interface ChangeReview {
  version: 1;
  /** The refs as asked for, and the commits they were: the change is baseCommit (their merge base)..headCommit. */
  base: string;
  head: string;
  baseCommit: string;
  headCommit: string;
  summary: string;
  /** What stands after the evidence policy, most severe first. */
  findings: ReviewFinding[];
  /** Findings the policy dropped (their own reproduction passed), with why. */
  dropped: Array<ReviewFinding & { reason: string }>;
  /** How many findings drydock verified (their proof showed the defect). */
  verified: number;
  /** How many parts the change was reviewed in (a large change is reviewed file by file). */
  parts: number;
}

export const CHANGE_REVIEW_ARTIFACT = 'review.json';

const severity = z.enum(REVIEW_SEVERITIES);
const finding = z.object({
  id: z.string(),
  round: z.number(),
  file: z.string(),
  line: z.number().optional(),
  severity,
  explanation: z.string(),
  suggestedFix: z.string().optional(),
  evidence: z
    .object({
      command: z.string(),
      output: z.string(),
      verified: z.boolean(),
      exitCode: z.number().nullable().optional(),
    })
    .optional(),
  downgradedFrom: z.enum(['critical', 'major']).optional(),
}) satisfies z.ZodType<ReviewFinding>;

const changeReviewSchema = z.object({
  version: z.literal(1),
  base: z.string(),
  head: z.string(),
  baseCommit: z.string(),
  headCommit: z.string(),
  summary: z.string(),
  findings: z.array(finding),
  dropped: z.array(finding.extend({ reason: z.string() })),
  verified: z.number().int().nonnegative(),
  parts: z.number().int().nonnegative(),
}) satisfies z.ZodType<ChangeReview>;

/** A stored review.json, checked. Throws BadInputError `invalid_json` when it is not one. */
export function parseChangeReview(text: string): ChangeReview {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new BadInputError('invalid_json', 'The stored review is not JSON.', { cause: error });
  }
  const parsed = changeReviewSchema.safeParse(data);
  if (!parsed.success)
    throw new BadInputError('invalid_json', `The stored review is not a review: ${parsed.error.message}`);
  return parsed.data;
}

const RANK: Record<ReviewSeverity, number> = { critical: 0, major: 1, minor: 2, nit: 3 };

/** Whether `severity` is `threshold` or worse. Pure. */
export function atLeast(severity: ReviewSeverity, threshold: ReviewSeverity): boolean {
  return RANK[severity] <= RANK[threshold];
}

/** Findings most severe first, then by file and line (stable). Pure. */
export function sortFindings<T extends ReviewFinding>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) =>
      RANK[a.severity] - RANK[b.severity] || a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0),
  );
}

/** "3 findings (1 critical, 2 minor), 1 verified, 1 downgraded, 1 dropped". Pure. */
export function describeCounts(review: Pick<ChangeReview, 'findings' | 'dropped' | 'verified'>): string {
  const counts = REVIEW_SEVERITIES.map(
    (level) => [level, review.findings.filter((f) => f.severity === level).length] as const,
  )
    .filter(([, count]) => count > 0)
    .map(([level, count]) => `${count} ${level}`);
  const total = review.findings.length;
  const downgraded = review.findings.filter((f) => f.downgradedFrom !== undefined).length;
  return [
    `${total} finding${total === 1 ? '' : 's'}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`,
    `${review.verified} verified`,
    ...(downgraded > 0 ? [`${downgraded} downgraded for want of evidence`] : []),
    ...(review.dropped.length > 0 ? [`${review.dropped.length} dropped`] : []),
  ].join(', ');
}
