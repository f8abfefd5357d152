import { percentile } from './eval-summary.ts';
import type { EventType, SessionEvent } from './events.ts';
import {
  groupReviews,
  type KeyedReview,
  keyedReview,
  type ReviewTotals,
  totalizeReviews,
} from './review-analytics.ts';
import type { Session } from './session.ts';

/**
 * Outcome analytics (docs/cost.md, "Analytics"): what sessions delivered, what became of their pull
 * requests and what it cost, read from sessions and a few of their events. Pure: the store fetches the
 * facts ({@link SessionFacts}), this file counts.
 */

/** The only event types analytics read: the store fetches these and no others. */
export const ANALYTICS_EVENT_TYPES = [
  'state.changed',
  'gate.verdict',
  'review.completed',
  'pull.closed',
  'review.findings_resolved',
] as const satisfies readonly EventType[];

/**
 * A top-level session and the events of {@link ANALYTICS_EVENT_TYPES} from it and every session under it
 * (attempts, a manager's children: they roll into it), each in its own log's order.
 */
export interface SessionFacts {
  session: Session;
  events: SessionEvent[];
}

export const OUTCOMES = ['delivered', 'bowed_out', 'failed', 'cancelled', 'running'] as const;
/** How a session ended; `running` for one that has not (queued, working, …). */
export type AnalyticsOutcome = (typeof OUTCOMES)[number];

export const SEVERITIES = ['critical', 'major', 'minor', 'nit'] as const;
export type FindingCounts = Record<(typeof SEVERITIES)[number], number>;

/** One session as analytics count it. */
export interface SessionSummary {
  id: string;
  /** The UTC day it was created, `YYYY-MM-DD`. */
  day: string;
  repo: string;
  model: string;
  trigger: string;
  outcome: AnalyticsOutcome;
  costUsd: number;
  costUnknown: boolean;
  /** Created → first delivered, when it delivered. */
  timeToPrMs: number | null;
  /** What the forge last reported of its pull request: null while open, or for none (a local repository). */
  pull: 'merged' | 'closed' | null;
  /** Failing gate verdicts, its attempts' and children's included. */
  gateCatches: number;
  findings: FindingCounts;
}

/**
 * Which way a session came in, from who started it (`Session.createdBy`): the trigger's prefix (`github`,
 * `slack`, `hook`, `schedule`, and any a forge or tracker adds), `api` for an API token (the web UI, REST,
 * MCP over HTTP), `cli` for none (the local CLI, `drydock mcp` over stdio). Pure.
 */
export function triggerOf(session: Pick<Session, 'createdBy'>): string {
  const id = session.createdBy?.id;
  if (id === undefined) return 'cli';
  const prefix = id.includes(':') ? id.slice(0, id.indexOf(':')) : id;
  return prefix === 'token' || prefix === '' ? 'api' : prefix;
}

export function outcomeOf(session: Pick<Session, 'state'>): AnalyticsOutcome {
  const { state } = session;
  return state === 'delivered' || state === 'bowed_out' || state === 'failed' || state === 'cancelled'
    ? state
    : 'running';
}

/** One session's numbers from its facts. Pure. */
export function summarizeSession({ session, events }: SessionFacts): SessionSummary {
  const findings: FindingCounts = { critical: 0, major: 0, minor: 0, nit: 0 };
  let gateCatches = 0;
  let deliveredAt: string | null = null;
  let pull: SessionSummary['pull'] = null;
  for (const event of events) {
    const data = event.data;
    const own = event.sessionId === session.id;
    if (data.type === 'gate.verdict' && !data.passed) gateCatches += 1;
    else if (data.type === 'review.completed') {
      for (const finding of data.findings) findings[finding.severity] += 1;
    } else if (own && data.type === 'state.changed' && data.to === 'delivered') deliveredAt ??= event.at;
    else if (own && data.type === 'pull.closed') pull = data.merged ? 'merged' : 'closed';
  }
  const outcome = outcomeOf(session);
  const timeToPrMs =
    outcome === 'delivered' && deliveredAt !== null
      ? Math.max(0, Date.parse(deliveredAt) - Date.parse(session.createdAt))
      : null;
  return {
    id: session.id,
    day: session.createdAt.slice(0, 10),
    repo: session.repo,
    model: session.model,
    trigger: triggerOf(session),
    outcome,
    costUsd: session.usage.costUsd,
    costUnknown: session.usage.costUnknown === true,
    timeToPrMs,
    pull,
    gateCatches,
    findings,
  };
}

/** The numbers of a group of sessions (a day, a repository, all of them). */
export interface AnalyticsTotals {
  sessions: number;
  outcomes: Record<AnalyticsOutcome, number>;
  /** Delivered ÷ ended (running sessions left out); null when none ended. */
  deliveryRate: number | null;
  /** Delivered sessions whose pull request the forge reported merged, or closed unmerged. */
  pulls: { merged: number; closed: number };
  /** Merged ÷ (merged + closed unmerged); null when the forge reported on none. */
  mergeRate: number | null;
  /** Every session's cost, whatever its outcome. */
  costUsd: number;
  /** Some session had calls of unknown price: the costs are lower bounds. */
  costUnknown: boolean;
  /** All the cost ÷ delivered sessions (what a delivered change cost, failures paid for included). */
  costPerDeliveredUsd: number | null;
  /** All the cost ÷ merged pull requests. */
  costPerMergedUsd: number | null;
  /** Created → delivered of the delivered sessions, nearest rank. */
  timeToPrMs: { p50: number | null; p95: number | null };
  gateCatches: number;
  findings: FindingCounts;
}

/** Totals of the given sessions. Pure. */
export function totalize(summaries: readonly SessionSummary[]): AnalyticsTotals {
  const outcomes: Record<AnalyticsOutcome, number> = {
    delivered: 0,
    bowed_out: 0,
    failed: 0,
    cancelled: 0,
    running: 0,
  };
  const findings: FindingCounts = { critical: 0, major: 0, minor: 0, nit: 0 };
  const pulls = { merged: 0, closed: 0 };
  const times: number[] = [];
  let costUsd = 0;
  let costUnknown = false;
  let gateCatches = 0;
  for (const summary of summaries) {
    outcomes[summary.outcome] += 1;
    if (summary.outcome === 'delivered' && summary.pull !== null) pulls[summary.pull] += 1;
    if (summary.timeToPrMs !== null) times.push(summary.timeToPrMs);
    costUsd += summary.costUsd;
    costUnknown ||= summary.costUnknown;
    gateCatches += summary.gateCatches;
    for (const severity of SEVERITIES) findings[severity] += summary.findings[severity];
  }
  const ended = summaries.length - outcomes.running;
  const decided = pulls.merged + pulls.closed;
  times.sort((a, b) => a - b);
  return {
    sessions: summaries.length,
    outcomes,
    deliveryRate: ratio(outcomes.delivered, ended),
    pulls,
    mergeRate: ratio(pulls.merged, decided),
    costUsd,
    costUnknown,
    costPerDeliveredUsd: ratio(costUsd, outcomes.delivered),
    costPerMergedUsd: ratio(costUsd, pulls.merged),
    timeToPrMs: { p50: percentile(times, 50), p95: percentile(times, 95) },
    gateCatches,
    findings,
  };
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

export const BREAKDOWNS = ['repo', 'model', 'trigger'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

export interface AnalyticsQuery {
  /** First and last UTC day, `YYYY-MM-DD`, both included. */
  from: string;
  to: string;
  repo?: string;
  model?: string;
  trigger?: string;
}

export type KeyedTotals = AnalyticsTotals & { key: string };

export interface AnalyticsReport {
  from: string;
  to: string;
  filters: { repo?: string; model?: string; trigger?: string };
  totals: AnalyticsTotals;
  /** Every day of the range, oldest first, empty days included. */
  days: Array<AnalyticsTotals & { day: string }>;
  /** Per repository, model and trigger, most sessions first. */
  breakdowns: Record<Breakdown, KeyedTotals[]>;
  /** Every repository, model and trigger in the range before the filters (reviews' too), for choosing one. */
  choices: Record<Breakdown, string[]>;
  /** Review sessions (`kind: review`) in the range: reviews of changes, not counted as sessions above. */
  reviews: number;
  /**
   * What those review sessions found and what became of it (src/core/review-analytics.ts): for the range,
   * every day of it, and per repository, model and trigger.
   */
  review: {
    totals: ReviewTotals;
    days: Array<ReviewTotals & { day: string }>;
    breakdowns: Record<Breakdown, Array<ReviewTotals & { key: string }>>;
  };
}

/**
 * The sessions a query counts, summarized: `all` before the filters (reviews left out), `counted` after;
 * `reviews`, the review sessions, after the filters (`allReviews` before). Pure.
 */
export function selectSessions(
  facts: readonly SessionFacts[],
  query: AnalyticsQuery,
): { all: SessionSummary[]; counted: SessionSummary[]; reviews: KeyedReview[]; allReviews: KeyedReview[] } {
  const inRange = facts.filter(({ session }) => {
    const day = session.createdAt.slice(0, 10);
    return session.parentId === undefined && day >= query.from && day <= query.to;
  });
  const matches = (summary: Pick<SessionSummary, Breakdown>) =>
    BREAKDOWNS.every((key) => query[key] === undefined || summary[key] === query[key]);
  const all = inRange.filter(({ session }) => session.kind !== 'review').map(summarizeSession);
  const allReviews = inRange
    .filter(({ session }) => session.kind === 'review')
    .map(({ session, events }) => keyedReview(session, triggerOf(session), events));
  return { all, counted: all.filter(matches), reviews: allReviews.filter(matches), allReviews };
}

/**
 * The report for a range and filters. Counts top-level sessions created in the range (facts of other
 * sessions are ignored); review sessions are counted apart, in `reviews` and `review`. Pure.
 */
export function computeAnalytics(facts: readonly SessionFacts[], query: AnalyticsQuery): AnalyticsReport {
  const { all, counted, reviews, allReviews } = selectSessions(facts, query);
  const chosen = [...all, ...allReviews];
  const filters: AnalyticsReport['filters'] = {};
  for (const key of BREAKDOWNS) {
    const value = query[key];
    if (value !== undefined) filters[key] = value;
  }
  return {
    from: query.from,
    to: query.to,
    filters,
    totals: totalize(counted),
    days: daysOf(query.from, query.to).map((day) => ({
      day,
      ...totalize(counted.filter((summary) => summary.day === day)),
    })),
    breakdowns: {
      repo: groupBy(counted, 'repo'),
      model: groupBy(counted, 'model'),
      trigger: groupBy(counted, 'trigger'),
    },
    choices: {
      repo: distinct(chosen.map((summary) => summary.repo)),
      model: distinct(chosen.map((summary) => summary.model)),
      trigger: distinct(chosen.map((summary) => summary.trigger)),
    },
    reviews: reviews.length,
    review: {
      totals: totalizeReviews(reviews),
      days: daysOf(query.from, query.to).map((day) => ({
        day,
        ...totalizeReviews(reviews.filter((review) => review.day === day)),
      })),
      breakdowns: {
        repo: groupReviews(reviews, 'repo'),
        model: groupReviews(reviews, 'model'),
        trigger: groupReviews(reviews, 'trigger'),
      },
    },
  };
}

/** Totals per value of `key`, most sessions first, then by name. Pure. */
export function groupBy(summaries: readonly SessionSummary[], key: Breakdown): KeyedTotals[] {
  const groups = new Map<string, SessionSummary[]>();
  for (const summary of summaries) {
    const members = groups.get(summary[key]);
    if (members) members.push(summary);
    else groups.set(summary[key], [summary]);
  }
  return [...groups]
    .map(([value, members]) => ({ key: value, ...totalize(members) }))
    .sort((a, b) => b.sessions - a.sessions || a.key.localeCompare(b.key));
}

/** Every UTC day from `from` to `to`, both included. Pure. */
export function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00.000Z`);
  for (let ms = Date.parse(`${from}T00:00:00.000Z`); ms <= end; ms += 86_400_000) {
    days.push(new Date(ms).toISOString().slice(0, 10));
  }
  return days;
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
