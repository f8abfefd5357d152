import { systemClock } from '../core/ports/clock.ts';
import { parseRetryAfterMs } from '../core/retry-after.ts';
import { retryCall } from '../core/retry-call.ts';
import type { ForgeClientOptions } from './forge-client-options.ts';

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_MAX_WAIT_MS = 30_000;

/** How a forge's client reports a failed call: whether it may go differently in a moment, and its Retry-After. */
export interface ForgeFailures {
  isTransient(error: unknown): boolean;
  /** The answer's Retry-After header, if the call got an answer with one. */
  retryAfter(error: unknown): string | null | undefined;
}

/** Whether a forge answering `status` may answer differently in a moment: a rate limit or a server error. Pure. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * How long to wait after attempt `attempt` (1 for the first) failed: what Retry-After asks (seconds or a
 * date), else a backoff doubling from 500 ms; never more than `maxWaitMs`. Pure.
 */
export function forgeRetryWaitMs(
  attempt: number,
  retryAfter: string | null | undefined,
  maxWaitMs: number,
  nowMs: number,
): number {
  return Math.min(parseRetryAfterMs(retryAfter, nowMs) ?? 250 * 2 ** attempt, maxWaitMs);
}

/**
 * Runs a forge call, trying a transient failure again (`maxAttempts` in all, waiting per
 * {@link forgeRetryWaitMs}). A lasting or permanent failure is rethrown as it is, for the forge to explain.
 */
export function createForgeRetry(
  options: ForgeClientOptions,
  failures: ForgeFailures,
): <T>(run: () => Promise<T>) => Promise<T> {
  const attempts = options.maxAttempts ?? DEFAULT_ATTEMPTS;
  const maxWaitMs = options.maxRetryAfterMs ?? DEFAULT_MAX_WAIT_MS;
  return (run) =>
    retryCall(run, {
      attempts,
      sleep: options.sleep,
      waitMs: (error, attempt) =>
        failures.isTransient(error)
          ? forgeRetryWaitMs(attempt, failures.retryAfter(error), maxWaitMs, systemClock.now().getTime())
          : null,
    });
}
