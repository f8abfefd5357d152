import { ConflictError, isConflict } from './errors.ts';
import { describeRefusal, type SpendRefusal } from './spend-limits.ts';

/** The public detail of a `spend_limit_reached` error: which limit, what was spent, when it resets. */
export interface SpendLimitDetails {
  limit: { scope: string; period: string; amountUsd: number };
  spentUsd: number;
  resetsAt: string;
  /** The refused call's upper estimate (a model call's refusal only). */
  estimateUsd?: number;
}

/**
 * The error of a model call or a request refused by a spend limit (HTTP 409 `spend_limit_reached`,
 * with {@link SpendLimitDetails} as the body's `details`).
 */
export function spendLimitReached(refusal: SpendRefusal): ConflictError {
  const details: SpendLimitDetails = {
    limit: { scope: refusal.limit.scope, period: refusal.limit.period, amountUsd: refusal.limit.amountUsd },
    spentUsd: refusal.spentUsd,
    resetsAt: refusal.resetsAt,
    ...(refusal.estimateUsd === undefined ? {} : { estimateUsd: refusal.estimateUsd }),
  };
  return new ConflictError(
    'spend_limit_reached',
    `${describeRefusal(refusal)}. Raise the limit (drydock limits set) or wait for the reset, then send a follow-up.`,
    { details: { public: details } },
  );
}

/** Whether `error` is a spend limit's refusal. */
export function isSpendLimitReached(error: unknown): boolean {
  return isConflict(error, 'spend_limit_reached');
}

/** A spend limit's refusal in `error` or its causes (a model call's failure wraps it), else null. */
export function spendLimitRefusalIn(error: unknown): Error | null {
  for (let at = error, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth += 1) {
    if (isSpendLimitReached(at)) return at;
  }
  return null;
}
