import { describeError, UnavailableError } from '../core/errors.ts';

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

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  const attempts = policy.attempts ?? 4;
  const maxWaitMs = policy.maxWaitMs ?? 60_000;
  const sleep = policy.sleep ?? sleepFor;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const waitMs = policy.waitMs(error);
      if (waitMs === null) throw error;
      if (attempt >= attempts || waitMs > maxWaitMs) {
        throw new UnavailableError(
          'tracker_rate_limited',
          `${what} was rate limited ${attempt} time(s) (${describeError(error)}); drydock tries again on the next event.`,
          { cause: error },
        );
      }
      await sleep(waitMs);
    }
  }
}
