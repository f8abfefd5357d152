import { APICallError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import {
  callWithRetries,
  DEFAULT_RETRY_POLICY,
  describeModelFailure,
  isRetryable,
  ModelCallFailed,
  RequestTimeoutError,
  type RetryNotice,
  retryAfterMs,
  retryWaitMs,
} from './model-retry.ts';

const apiError = (
  statusCode: number | undefined,
  headers: Record<string, string> = {},
  message = 'Overloaded',
) =>
  new APICallError({
    message,
    url: 'https://api.example/v1/messages',
    requestBodyValues: {},
    ...(statusCode === undefined ? { isRetryable: true } : { statusCode }),
    responseHeaders: headers,
  });

describe('isRetryable', () => {
  it.each([
    [429, true],
    [529, true],
    [500, true],
    [503, true],
    [408, true],
    [400, false],
    [401, false],
    [404, false],
  ])('HTTP %i → %s', (status, retryable) => {
    expect(isRetryable(apiError(status))).toBe(retryable);
  });

  it('retries lost connections and drydock’s own timeout, not programming errors', () => {
    expect(isRetryable(apiError(undefined))).toBe(true);
    expect(isRetryable(new RequestTimeoutError(1000))).toBe(true);
    expect(isRetryable(new TypeError('x is not a function'))).toBe(false);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each<[Record<string, string>, number | undefined]>([
    [{ 'retry-after': '7' }, 7_000],
    [{ 'Retry-After': '0.5' }, 500],
    [{ 'retry-after-ms': '1500', 'retry-after': '9' }, 1_500],
    [{ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, 30_000],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%j → %s', (headers, ms) => {
    expect(retryAfterMs(apiError(529, headers), now)).toBe(ms);
  });
});

describe('retryWaitMs', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, minDelayMs: 1_000, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };
  it('backs off exponentially, half of it random, up to the maximum', () => {
    expect([1, 2, 3, 4, 5].map((retry) => retryWaitMs(retry, undefined, policy, 0))).toEqual([
      500, 1_000, 2_000, 4_000, 4_000,
    ]);
    expect([1, 2, 3, 4, 5].map((retry) => retryWaitMs(retry, undefined, policy, 0.999_999))).toEqual([
      1_000, 2_000, 4_000, 8_000, 8_000,
    ]);
  });

  it('waits at least what the provider asked, and not at all past the policy’s limit', () => {
    expect(retryWaitMs(1, 30_000, policy, 0)).toBe(30_000);
    expect(retryWaitMs(1, 30_000, policy, 0.5)).toBe(31_500);
    expect(retryWaitMs(1, 60_001, policy, 0)).toBeUndefined();
  });
});

describe('callWithRetries', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, retries: 2, requestTimeoutMs: 5_000 };

  function harness() {
    const notices: RetryNotice[] = [];
    const waits: number[] = [];
    return {
      notices,
      waits,
      options: {
        policy,
        signal: new AbortController().signal,
        nowMs: () => 0,
        random: () => 0,
        onRetry: async (notice: RetryNotice) => {
          notices.push(notice);
        },
        sleep: async (ms: number) => {
          waits.push(ms);
        },
      },
    };
  }

  it('retries until the call succeeds, telling each wait before it', async () => {
    const { notices, waits, options } = harness();
    let calls = 0;
    const result = await callWithRetries(async () => {
      calls += 1;
      if (calls === 1) throw apiError(529, { 'retry-after': '3' });
      if (calls === 2) throw apiError(undefined, {}, 'Cannot connect to API: other side closed');
      return 'answer';
    }, options);
    expect(result).toBe('answer');
    expect(notices).toEqual([
      { attempt: 1, waitMs: 3_000, message: 'Overloaded', status: 529 },
      { attempt: 2, waitMs: 2_000, message: 'Cannot connect to API: other side closed' },
    ]);
    expect(waits).toEqual([3_000, 2_000]);
  });

  it('gives up after the retries with the provider’s message, and at once on a bad request', async () => {
    const { notices, options } = harness();
    let calls = 0;
    const failure = await callWithRetries(async () => {
      calls += 1;
      throw apiError(529);
    }, options).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelCallFailed);
    expect((failure as Error).message).toBe('Overloaded (HTTP 529, after 3 attempts)');
    expect(calls).toBe(3);
    expect(notices).toHaveLength(2);

    calls = 0;
    const bad = await callWithRetries(async () => {
      calls += 1;
      throw apiError(400, {}, 'max_tokens: too large');
    }, options).catch((error: unknown) => error);
    expect((bad as Error).message).toBe('max_tokens: too large (HTTP 400)');
    expect(calls).toBe(1);
  });

  it('abandons a request that outlives the timeout and tries again', async () => {
    const { notices, options } = harness();
    let calls = 0;
    const result = await callWithRetries(
      (signal) => {
        calls += 1;
        if (calls > 1) return Promise.resolve('answer');
        return new Promise<string>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        );
      },
      { ...options, policy: { ...policy, requestTimeoutMs: 50 } },
    );
    expect(result).toBe('answer');
    expect(notices[0]?.message).toBe('the request timed out after 50 ms');
  });

  it('stops at a cancel, in flight or while waiting, with the cancel’s reason', async () => {
    const { options } = harness();
    const controller = new AbortController();
    const inFlight = callWithRetries(
      (signal) =>
        new Promise<string>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
      { ...options, signal: controller.signal },
    );
    controller.abort(new Error('cancelled by the user'));
    await expect(inFlight).rejects.toThrow('cancelled by the user');

    const waiting = new AbortController();
    const duringWait = callWithRetries(
      async () => {
        throw apiError(529);
      },
      {
        ...options,
        signal: waiting.signal,
        sleep: (_ms, signal) =>
          new Promise<void>((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason));
            waiting.abort(new Error('cancelled while waiting'));
          }),
      },
    );
    await expect(duringWait).rejects.toThrow('cancelled while waiting');
  });
});

describe('describeModelFailure', () => {
  it('keeps the provider’s message', () => {
    expect(describeModelFailure(new Error('boom'), 1)).toBe('boom');
  });
});
