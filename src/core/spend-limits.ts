import type { ModelPricing } from './ports/models.ts';

/**
 * Spend limits (docs/cost.md): a cap in USD on what model calls may cost per UTC day or month, for
 * everything (`global`), one repository (`repo:<repo>`) or one creator (`creator:token:<id>`,
 * `creator:github:<login>`). Pure and browser-safe: the web UI formats limits with it too.
 */
export const SPEND_PERIODS = ['day', 'month'] as const;
export type SpendPeriod = (typeof SPEND_PERIODS)[number];

/** `global`, `repo:<repo>` or `creator:<creator>`. */
export type SpendScope = string;

/** Where a limit comes from: the server's environment (read-only) or the store (API, CLI, UI). */
export type SpendLimitSource = 'env' | 'store';

export interface SpendLimit {
  scope: SpendScope;
  period: SpendPeriod;
  amountUsd: number;
  source: SpendLimitSource;
}

/** A limit with what was spent under it in its current period, reservations in flight included. */
export interface SpendLimitStatus extends SpendLimit {
  spentUsd: number;
  /** When the current period ends (UTC midnight of the next day or month), ISO. */
  resetsAt: string;
}

/** Who a model call or a new piece of work is charged to. */
export interface SpendSubject {
  repo: string;
  /** `token:<id>`, a trigger's requester (`github:<login>`), or absent for an embedded run. */
  creator?: string;
}

/** What a reservation needs before a model call. */
export interface SpendReservationRequest extends SpendSubject {
  sessionId: string;
  /** The call's upper estimate; 0 only asks whether a limit is exhausted already. */
  estimateUsd: number;
  /** The server's own limits (DRYDOCK_SPEND_LIMIT_*), checked with the stored ones. */
  configured?: readonly SpendLimit[];
}

/** The outcome of a reservation: its id to settle or release, or the limit that refused it. */
export type SpendReservation = { ok: true; id: string } | { ok: false; refusal: SpendRefusal };

export interface SpendRefusal {
  limit: SpendLimit;
  spentUsd: number;
  resetsAt: string;
  /** The refused call's upper estimate, when a call (not new work) was refused. */
  estimateUsd?: number;
}

/** Whether a scope string reads as one drydock knows. Pure. */
export function isSpendScope(scope: string): boolean {
  if (scope === 'global') return true;
  const match = /^(repo|creator):(.+)$/.exec(scope);
  return match !== null && (match[2] ?? '').trim() === match[2];
}

/** Whether `limit` covers work on `subject`. Pure. */
export function limitApplies(scope: SpendScope, subject: SpendSubject): boolean {
  if (scope === 'global') return true;
  if (scope.startsWith('repo:')) return scope.slice('repo:'.length) === subject.repo;
  if (scope.startsWith('creator:')) return scope.slice('creator:'.length) === subject.creator;
  return false;
}

/** When the UTC calendar day or month holding `now` began. Pure. */
export function periodStart(period: SpendPeriod, now: Date): Date {
  return period === 'day'
    ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** When the period holding `now` ends: the next UTC midnight, or the first of next month. Pure. */
export function periodResetsAt(period: SpendPeriod, now: Date): Date {
  return period === 'day'
    ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1))
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/**
 * The decision before a model call (or new work, with `estimateUsd` 0): the first limit that is
 * exhausted (spent ≥ amount) or that the call could overshoot (spent + estimate > amount), else null.
 * `spent` holds each limit's settled costs plus the reservations in flight. Pure.
 */
export function spendDecision(
  limits: ReadonlyArray<{ limit: SpendLimit; spentUsd: number }>,
  estimateUsd: number,
): { limit: SpendLimit; spentUsd: number } | null {
  for (const entry of limits) {
    const { amountUsd } = entry.limit;
    if (entry.spentUsd >= amountUsd || entry.spentUsd + estimateUsd > amountUsd) return entry;
  }
  return null;
}

/**
 * Prices a call drydock has no price for: it counts as $0 in the ledger once made (drydock cannot
 * know what it cost) but is reserved as if it were priced like this, so an unpriced model cannot
 * slip under a limit that is nearly spent. $15/$75 per million: the dearest of the known models.
 */
export const UNKNOWN_PRICE_RESERVATION: ModelPricing = { inputPerMTok: 15, outputPerMTok: 75 };

/** Output tokens reserved for a call that sets no `maxOutputTokens`. */
export const DEFAULT_RESERVED_OUTPUT_TOKENS = 8_192;

/**
 * The upper estimate reserved before a call: every input token at the uncached price plus the most
 * output the call may produce. Pure.
 */
export function callEstimateUsd(
  pricing: ModelPricing | null,
  inputTokens: number,
  maxOutputTokens: number | undefined,
): number {
  const price = pricing ?? UNKNOWN_PRICE_RESERVATION;
  const output = maxOutputTokens ?? DEFAULT_RESERVED_OUTPUT_TOKENS;
  return (inputTokens * price.inputPerMTok + output * price.outputPerMTok) / 1_000_000;
}

/** `daily spend limit for repo acme/app`. Pure. */
export function describeLimit(limit: Pick<SpendLimit, 'scope' | 'period'>): string {
  const period = limit.period === 'day' ? 'daily' : 'monthly';
  if (limit.scope === 'global') return `${period} spend limit`;
  const [kind, ...rest] = limit.scope.split(':');
  return `${period} spend limit for ${kind} ${rest.join(':')}`;
}

/** `$5.02`: cents, more digits under a cent so a small spend does not read as zero. Pure. */
export function formatUsd(amount: number): string {
  if (amount !== 0 && Math.abs(amount) < 0.01) return `$${amount.toFixed(4)}`;
  return `$${amount.toFixed(2)}`;
}

/** `2026-12-06 00:00 UTC`. Pure. */
export function formatResetsAt(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * The reason a refused call or request gives: "daily spend limit for repo X reached: $5.02 of $5.00;
 * resets 2026-12-06 00:00 UTC". Pure.
 */
export function describeRefusal(refusal: SpendRefusal): string {
  const { limit, spentUsd, estimateUsd } = refusal;
  const resets = `resets ${formatResetsAt(refusal.resetsAt)}`;
  if (spentUsd >= limit.amountUsd || estimateUsd === undefined) {
    return `${describeLimit(limit)} reached: ${formatUsd(spentUsd)} of ${formatUsd(limit.amountUsd)}; ${resets}`;
  }
  return `${describeLimit(limit)} has no room for the next model call: ${formatUsd(spentUsd)} of ${formatUsd(limit.amountUsd)} spent, and the call may cost up to ${formatUsd(estimateUsd)}; ${resets}`;
}
