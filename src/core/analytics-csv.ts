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
] as const;

/**
 * The analytics as CSV: for every day of the range a row `all` (every counted session that day, empty days
 * included), then a row per repository, model and trigger that had sessions that day. Pure.
 */
export function analyticsCsv(facts: readonly SessionFacts[], query: AnalyticsQuery): string {
  const { counted } = selectSessions(facts, query);
  const lines: string[] = [ANALYTICS_CSV_COLUMNS.join(',')];
  for (const day of daysOf(query.from, query.to)) {
    const ofDay = counted.filter((summary) => summary.day === day);
    lines.push(row(day, 'all', '', totalize(ofDay)));
    for (const dimension of BREAKDOWNS) {
      for (const group of groupBy(ofDay, dimension)) lines.push(row(day, dimension, group.key, group));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

function row(day: string, dimension: string, key: string, totals: AnalyticsTotals): string {
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
