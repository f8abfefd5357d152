import { setTimeout as sleepMs } from 'node:timers/promises';
import { APICallError } from '@ai-sdk/provider';
import pRetry, { AbortError } from 'p-retry';
import { describeError } from '../core/errors.ts';
import { formatMs } from '../core/format-ms.ts';
import { parseRetryAfterMs } from '../core/retry-after.ts';

/** How model calls are retried. drydock retries itself, so the AI SDK's own retries are off. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** The backoff before the first retry; it doubles each time, with jitter. */
  minDelayMs: number;
  /** The longest backoff (a `retry-after` may ask for more, up to `maxRetryAfterMs`). */
  maxDelayMs: number;
  /** A provider asking to wait longer than this is not waited for: the call fails. */
  maxRetryAfterMs: number;
  /**
   * How long a request may go without a sign of life: no answer yet, or (streaming) no new chunk since
   * the last. A request silent that long is abandoned and retried; a long reply that keeps streaming is not.
   */
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 5,
  minDelayMs: 2_000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 5 * 60_000,
  requestTimeoutMs: 10 * 60_000,
};

/** Told before each wait: which attempt failed, why, and how long drydock waits before the next. */
export interface RetryNotice {
  attempt: number;
  waitMs: number;
  message: string;
  status?: number;
}

/** Thrown when a request outlived {@link RetryPolicy.requestTimeoutMs}. */
export class RequestTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the request timed out after ${formatMs(timeoutMs)}`);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * A streamed reply that failed after its first chunk (a connection dropped midway, an error event in
 * the stream): what came so far is lost, and the call is tried again from scratch.
 */
export class StreamInterruptedError extends Error {
  constructor(cause: unknown) {
    super(`the reply stream broke off: ${describeError(cause)}`, { cause });
    this.name = 'StreamInterruptedError';
  }
}

/**
 * Whether a failed call is worth another attempt: rate limits (429), overload (529), server errors
 * (5xx), timeouts (408 and drydock's own) and connections that failed or dropped. A bad request, a
 * refused key or a missing model fail the same way every time. Pure.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RequestTimeoutError || error instanceof StreamInterruptedError) return true;
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === undefined) return error.isRetryable;
    return status === 408 || status === 409 || status === 429 || status >= 500;
  }
  return false;
}

/** What the provider asked to wait (`retry-after-ms`, `retry-after` in seconds or as a date), if anything. Pure. */
export function retryAfterMs(error: unknown, nowMs: number): number | undefined {
  if (!APICallError.isInstance(error)) return undefined;
  const headers = error.responseHeaders ?? {};
  const header = (name: string) =>
    Object.entries(headers)
      .find(([key]) => key.toLowerCase() === name)?.[1]
      ?.trim();
  const ms = Number(header('retry-after-ms'));
  if (header('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  return parseRetryAfterMs(header('retry-after'), nowMs) ?? undefined;
}

/**
 * How long to wait before retry `retry` (1 for the first): what the provider asked for, else an
 * exponential backoff with jitter (half fixed, half random, so many sessions hit by one outage do not
 * come back in step). Undefined: do not retry (the provider asks for longer than the policy allows).
 * Pure; `random` is in [0, 1).
 */
export function retryWaitMs(
  retry: number,
  asked: number | undefined,
  policy: RetryPolicy,
  random: number,
): number | undefined {
  if (asked !== undefined) {
    if (asked > policy.maxRetryAfterMs) return undefined;
    // A little jitter on top, never less than asked.
    return Math.round(asked + asked * 0.1 * random);
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** The failure as the session's stop reason: the provider's message, its status and how often it was tried. */
export function describeModelFailure(error: unknown, attempts: number): string {
  const status =
    APICallError.isInstance(error) && error.statusCode !== undefined ? `HTTP ${error.statusCode}` : '';
  const tries = attempts > 1 ? `after ${attempts} attempts` : '';
  const context = [status, tries].filter((part) => part !== '').join(', ');
  return context === '' ? describeError(error) : `${describeError(error)} (${context})`;
}

export interface RetryOptions {
  policy: RetryPolicy;
  /** Cancels the call in flight and any wait. */
  signal: AbortSignal;
  /** Told before each wait, so the wait is in the event log. */
  onRetry(notice: RetryNotice): Promise<void>;
  nowMs(): number;
  /** Waits; tests pass one that returns at once. */
  sleep?(ms: number, signal: AbortSignal): Promise<void>;
  random?(): number;
}

/** A failed call, with how many attempts were made. */
export class ModelCallFailed extends Error {
  readonly attempts: number;

  constructor(cause: unknown, attempts: number) {
    super(describeModelFailure(cause, attempts), { cause });
    this.name = 'ModelCallFailed';
    this.attempts = attempts;
  }
}

/**
 * Runs `call` (one request, given a signal that the session's cancel and the per-request timeout both
 * abort, and `alive`, which a streaming call invokes on every chunk to restart the timeout), retrying
 * what {@link isRetryable} allows with {@link retryWaitMs} between attempts. Throws
 * {@link ModelCallFailed} once it gives up, or the abort reason when cancelled.
 */
export async function callWithRetries<T>(
  call: (signal: AbortSignal, alive: () => void) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { policy, signal } = options;
  const sleep = options.sleep ?? ((ms, abort) => sleepMs(ms, undefined, { signal: abort }));
  const random = options.random ?? Math.random;
  let attempts = 0;
  let waitMs: number | undefined;
  try {
    return await pRetry(
      async () => {
        attempts += 1;
        const timeout = idleTimeout(policy.requestTimeoutMs);
        try {
          return await call(AbortSignal.any([signal, timeout.signal]), timeout.restart);
        } catch (error) {
          if (signal.aborted) throw new AbortError(error instanceof Error ? error : String(error));
          if (timeout.signal.aborted) throw new RequestTimeoutError(policy.requestTimeoutMs);
          if (!isRetryable(error))
            throw new AbortError(error instanceof Error ? error : describeError(error));
          throw error;
        } finally {
          timeout.clear();
        }
      },
      {
        retries: policy.retries,
        // The waits are drydock's (retry-after, jitter, an event for each): p-retry adds none.
        minTimeout: 0,
        factor: 1,
        signal,
        // Called before shouldRetry: decide and wait here, only when a retry will follow.
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          waitMs =
            retriesLeft > 0
              ? retryWaitMs(attemptNumber, retryAfterMs(error, options.nowMs()), policy, random())
              : undefined;
          if (waitMs === undefined) return;
          const status = APICallError.isInstance(error) ? error.statusCode : undefined;
          await options.onRetry({
            attempt: attemptNumber,
            waitMs,
            message: describeError(error),
            ...(status === undefined ? {} : { status }),
          });
          await sleep(waitMs, signal);
        },
        shouldRetry: () => waitMs !== undefined,
      },
    );
  } catch (error) {
    if (signal.aborted) throw signal.reason ?? error;
    throw new ModelCallFailed(error, attempts);
  }
}

/** A signal that aborts once `ms` pass without a `restart()`. */
function idleTimeout(ms: number): { signal: AbortSignal; restart(): void; clear(): void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const restart = () => {
    clearTimeout(timer);
    if (controller.signal.aborted) return;
    timer = setTimeout(() => controller.abort(new RequestTimeoutError(ms)), ms);
    timer.unref();
  };
  restart();
  return { signal: controller.signal, restart, clear: () => clearTimeout(timer) };
}
