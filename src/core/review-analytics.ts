import { REVIEW_SEVERITIES } from './change-review.ts';
import type { FindingCounts } from './child-digest.ts';
import type { SessionEvent } from './events.ts';
import type { Session } from './session.ts';

/**
 * What review sessions (`kind: review`, reviews of someone's change: docs/review.md) found and what became of
 * their findings, for analytics (docs/cost.md, "Analytics", "Reviews"). Pure: counted from a review session's
 * `review.completed` and `review.findings_resolved` events.
 */

/** One review session's numbers. */
export interface ReviewSummary {
  /** The findings it reported, by the severity it reported them at (after any downgrade). */
  findings: FindingCounts;
  /** Findings whose evidence drydock ran and that showed the defect (`evidence.verified`). */
  verified: number;
  /** Findings drydock lowered one severity for want of evidence (`downgradedFrom`). */
  downgraded: number;
  /** Findings drydock dropped because the reviewer's own command passed (not among the findings). */
  dropped: number;
  /** Distinct findings recorded as acted on (`review.findings_resolved`, either way), at most its findings. */
  actedOn: number;
  /** Of those, the ones a `@drydock fix this` session fixed. */
  fixedByDrydock: number;
}

/** A review session's numbers from its events (others are ignored). Pure. */
export function summarizeReview(events: readonly SessionEvent[]): ReviewSummary {
  const findings: FindingCounts = { critical: 0, major: 0, minor: 0, nit: 0 };
  let verified = 0;
  let downgraded = 0;
  let dropped = 0;
  const actedOn = new Set<string>();
  const fixed = new Set<string>();
  for (const { data } of events) {
    if (data.type === 'review.completed') {
      for (const finding of data.findings) {
        findings[finding.severity] += 1;
        if (finding.evidence?.verified === true) verified += 1;
        if (finding.downgradedFrom !== undefined) downgraded += 1;
      }
      dropped += data.dropped ?? 0;
    } else if (data.type === 'review.findings_resolved') {
      for (const key of data.keys) {
        actedOn.add(key);
        if (data.how === 'fixed') fixed.add(key);
      }
    }
  }
  // A key names one of this review's findings (it is recorded only on reviews that posted it); the cap keeps a
  // log written by hand, or two findings sharing a key, from claiming more than were found.
  const found = REVIEW_SEVERITIES.reduce((sum, severity) => sum + findings[severity], 0);
  return {
    findings,
    verified,
    downgraded,
    dropped,
    actedOn: Math.min(actedOn.size, found),
    fixedByDrydock: Math.min(fixed.size, found),
  };
}

/** The review numbers of a group of review sessions (a day, a repository, all of them). */
export interface ReviewTotals extends ReviewSummary {
  /** Review sessions. */
  reviews: number;
  /** Verified ÷ the critical and major findings that needed evidence (verified + downgraded + dropped); null for none. */
  verifiedShare: number | null;
  /** Acted on ÷ findings; null for none. */
  actedOnRate: number | null;
}

/** Totals of the given review summaries. Pure. */
export function totalizeReviews(summaries: readonly ReviewSummary[]): ReviewTotals {
  const findings: FindingCounts = { critical: 0, major: 0, minor: 0, nit: 0 };
  let verified = 0;
  let downgraded = 0;
  let dropped = 0;
  let actedOn = 0;
  let fixedByDrydock = 0;
  for (const summary of summaries) {
    for (const severity of REVIEW_SEVERITIES) findings[severity] += summary.findings[severity];
    verified += summary.verified;
    downgraded += summary.downgraded;
    dropped += summary.dropped;
    actedOn += summary.actedOn;
    fixedByDrydock += summary.fixedByDrydock;
  }
  const found = REVIEW_SEVERITIES.reduce((sum, severity) => sum + findings[severity], 0);
  const claimed = verified + downgraded + dropped;
  return {
    reviews: summaries.length,
    findings,
    verified,
    downgraded,
    dropped,
    actedOn,
    fixedByDrydock,
    verifiedShare: claimed === 0 ? null : verified / claimed,
    actedOnRate: found === 0 ? null : actedOn / found,
  };
}

/** A review session with what analytics group it by. */
export type KeyedReview = ReviewSummary & { day: string; repo: string; model: string; trigger: string };

/** Keyed by the session's day, repository, model and trigger (`trigger` as analytics name it). Pure. */
export function keyedReview(
  session: Pick<Session, 'createdAt' | 'repo' | 'model'>,
  trigger: string,
  events: readonly SessionEvent[],
): KeyedReview {
  return {
    ...summarizeReview(events),
    day: session.createdAt.slice(0, 10),
    repo: session.repo,
    model: session.model,
    trigger,
  };
}

/** Review totals per value of `key`, most reviews first, then by name. Pure. */
export function groupReviews(
  reviews: readonly KeyedReview[],
  key: 'repo' | 'model' | 'trigger',
): Array<ReviewTotals & { key: string }> {
  const groups = new Map<string, KeyedReview[]>();
  for (const review of reviews) {
    const members = groups.get(review[key]);
    if (members) members.push(review);
    else groups.set(review[key], [review]);
  }
  return [...groups]
    .map(([value, members]) => ({ key: value, ...totalizeReviews(members) }))
    .sort((a, b) => b.reviews - a.reviews || a.key.localeCompare(b.key));
}
