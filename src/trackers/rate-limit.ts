import { describeError, UnavailableError } from '../core/errors.ts';
import { retryCall } from '../core/retry-call.ts';

export interface RateLimitPolicy {
  /** How long the tracker asked to wait (its `Retry-After`) when `error` is a rate limit; else null. */
  waitMs(error: unknown): number | null;
  /** Calls in all, the first included; default 4. */
  attempts?: number;
  /** A longer wait than this is not waited out: the call fails at once; default 60 s. */
  maxWaitMs?: number;
  /** Waits (tests: a fake clock); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `call`, waiting out the tracker's rate limit (its `Retry-After`, or 1 s when it names none) and
 * calling again, a few times. A rate limit that outlasts the attempts or `maxWaitMs` becomes a transient
 * `tracker_rate_limited` error; any other failure is rethrown as it is.
 */
export async function withRateLimit<T>(
  what: string,
  policy: RateLimitPolicy,
  call: () => Promise<T>,
): Promise<T> {
  const maxWaitMs = policy.maxWaitMs ?? 60_000;
  return retryCall(call, {
    attempts: policy.attempts ?? 4,
    sleep: policy.sleep,
    waitMs: (error) => {
      const waitMs = policy.waitMs(error);
      return waitMs !== null && waitMs <= maxWaitMs ? waitMs : null;
    },
    giveUp: (error, attempts) =>
      policy.waitMs(error) === null
        ? error
        : new UnavailableError(
            'tracker_rate_limited',
            `${what} was rate limited ${attempts} time(s) (${describeError(error)}); drydock tries again on the next event.`,
            { cause: error },
          ),
  });
}
