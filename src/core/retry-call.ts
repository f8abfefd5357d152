import { setTimeout as sleepFor } from 'node:timers/promises';
import pRetry from 'p-retry';

export interface RetryCallOptions {
  /** Calls in all, the first included. */
  attempts: number;
  /** How long to wait before calling again after `error` ended attempt `attempt` (1 for the first); null: do not. */
  waitMs: (error: unknown, attempt: number) => number | null;
  /** Waits between attempts (tests record them instead); default a timer. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** What to throw when the call is given up on, told how many attempts were made; default the last error. */
  giveUp?: (error: unknown, attempts: number) => unknown;
}

/** Carries whatever an attempt threw through p-retry, which would turn a non-Error into a TypeError. */
class FailedAttempt extends Error {
  readonly thrown: unknown;
  constructor(thrown: unknown) {
    super('attempt failed');
    this.thrown = thrown;
  }
}

/**
 * Calls `run` until it succeeds, or `waitMs` says not to try again, or `attempts` are spent. The waits
 * are the caller's (a Retry-After, a backoff): p-retry counts the attempts and adds none of its own.
 */
export async function retryCall<T>(run: () => Promise<T>, options: RetryCallOptions): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
  let waitMs: number | null = null;
  let attempts = 0;
  try {
    return await pRetry(
      async (attempt) => {
        attempts = attempt;
        try {
          return await run();
        } catch (error) {
          throw new FailedAttempt(error);
        }
      },
      {
        retries: Math.max(0, options.attempts - 1),
        minTimeout: 0,
        factor: 1,
        // Called before shouldRetry: decide and wait here, only when another attempt may follow.
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          const thrown = error instanceof FailedAttempt ? error.thrown : error;
          waitMs = retriesLeft > 0 ? options.waitMs(thrown, attemptNumber) : null;
          if (waitMs !== null) await sleep(waitMs);
        },
        shouldRetry: () => waitMs !== null,
      },
    );
  } catch (error) {
    const thrown = error instanceof FailedAttempt ? error.thrown : error;
    throw options.giveUp ? options.giveUp(thrown, attempts) : thrown;
  }
}
