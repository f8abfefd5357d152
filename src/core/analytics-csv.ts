import {
  type AnalyticsQuery,
  type AnalyticsTotals,
  BREAKDOWNS,
  daysOf,
  groupBy,
  type SessionFacts,
  selectSessions,
  totalize,
} from './analytics.ts';
import { groupReviews, type ReviewTotals, totalizeReviews } from './review-analytics.ts';

/** The CSV export's columns, in order (docs/cost.md, "Analytics"). */
export const ANALYTICS_CSV_COLUMNS = [
  'day',
  'dimension',
  'key',
  'sessions',
  'delivered',
  'bowed_out',
  'failed',
  'cancelled',
  'running',
  'delivery_rate',
  'merged',
  'closed_unmerged',
  'merge_rate',
  'cost_usd',
  'cost_unknown',
  'cost_per_delivered_usd',
  'cost_per_merged_usd',
  'time_to_pr_p50_ms',
  'time_to_pr_p95_ms',
  'gate_catches',
  'findings_critical',
  'findings_major',
  'findings_minor',
  'findings_nit',
  'reviews',
  'review_findings_critical',
  'review_findings_major',
  'review_findings_minor',
  'review_findings_nit',
  'review_verified',
  'review_downgraded',
  'review_dropped',
  'review_verified_share',
  'review_acted_on',
  'review_fixed_by_drydock',
  'review_acted_on_rate',
] as const;

/**
 * The analytics as CSV: for every day of the range a row `all` (every counted session and review session
 * that day, empty days included), then a row per repository, model and trigger that had sessions or review
 * sessions that day (those with sessions first, most first). Pure.
 */
export function analyticsCsv(facts: readonly SessionFacts[], query: AnalyticsQuery): string {
  const { counted, reviews } = selectSessions(facts, query);
  const lines: string[] = [ANALYTICS_CSV_COLUMNS.join(',')];
  for (const day of daysOf(query.from, query.to)) {
    const ofDay = counted.filter((summary) => summary.day === day);
    const reviewsOfDay = reviews.filter((review) => review.day === day);
    lines.push(row(day, 'all', '', totalize(ofDay), totalizeReviews(reviewsOfDay)));
    for (const dimension of BREAKDOWNS) {
      const sessionGroups = groupBy(ofDay, dimension);
      const reviewGroups = groupReviews(reviewsOfDay, dimension);
      const keys = [...new Set([...sessionGroups, ...reviewGroups].map((group) => group.key))];
      for (const key of keys) {
        const sessions = sessionGroups.find((group) => group.key === key) ?? totalize([]);
        const reviewed = reviewGroups.find((group) => group.key === key) ?? totalizeReviews([]);
        lines.push(row(day, dimension, key, sessions, reviewed));
      }
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

function row(
  day: string,
  dimension: string,
  key: string,
  totals: AnalyticsTotals,
  reviews: ReviewTotals,
): string {
  const cells: Array<string | number | boolean | null> = [
    day,
    dimension,
    key,
    totals.sessions,
    totals.outcomes.delivered,
    totals.outcomes.bowed_out,
    totals.outcomes.failed,
    totals.outcomes.cancelled,
    totals.outcomes.running,
    totals.deliveryRate,
    totals.pulls.merged,
    totals.pulls.closed,
    totals.mergeRate,
    totals.costUsd,
    totals.costUnknown,
    totals.costPerDeliveredUsd,
    totals.costPerMergedUsd,
    totals.timeToPrMs.p50,
    totals.timeToPrMs.p95,
    totals.gateCatches,
    totals.findings.critical,
    totals.findings.major,
    totals.findings.minor,
    totals.findings.nit,
    reviews.reviews,
    reviews.findings.critical,
    reviews.findings.major,
    reviews.findings.minor,
    reviews.findings.nit,
    reviews.verified,
    reviews.downgraded,
    reviews.dropped,
    reviews.verifiedShare,
    reviews.actedOn,
    reviews.fixedByDrydock,
    reviews.actedOnRate,
  ];
  return cells.map(cell).join(',');
}

/** A CSV cell (RFC 4180): empty for null, numbers rounded to 6 places, text quoted when it must be. */
function cell(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(Math.round(value * 1e6) / 1e6);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // A leading =, +, - or @ would run as a formula in a spreadsheet: repository names are people's text.
  const text = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
