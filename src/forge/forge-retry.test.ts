import { describe, expect, it } from 'vitest';
import { createForgeRetry, forgeRetryWaitMs, isTransientStatus } from './forge-retry.ts';

/** What a forge's client throws for an answer: its status and headers. */
class Answer extends Error {
  readonly status: number;
  readonly retryAfter: string | null;
  constructor(status: number, retryAfter: string | null = null) {
    super(`HTTP ${status}`);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

const failures = {
  isTransient: (error: unknown) => !(error instanceof Answer) || isTransientStatus(error.status),
  retryAfter: (error: unknown) => (error instanceof Answer ? error.retryAfter : null),
};

function scripted(answers: Answer[]) {
  const calls = { count: 0 };
  const run = async () => {
    const answer = answers[calls.count];
    calls.count += 1;
    if (answer) throw answer;
    return 'ok';
  };
  return { run, calls };
}

describe('forgeRetryWaitMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('waits what Retry-After asks, in seconds or as an HTTP date', () => {
    expect(forgeRetryWaitMs(1, '2', 30_000, now)).toBe(2_000);
    expect(forgeRetryWaitMs(1, 'Thu, 01 Jan 2026 00:00:12 GMT', 30_000, now)).toBe(12_000);
  });

  it('backs off from 500 ms, doubling, without one', () => {
    expect([1, 2, 3].map((attempt) => forgeRetryWaitMs(attempt, null, 30_000, now))).toEqual([
      500, 1_000, 2_000,
    ]);
    expect(forgeRetryWaitMs(1, 'whenever', 30_000, now)).toBe(500);
  });

  it('never waits longer than the cap, however long the forge asks', () => {
    expect(forgeRetryWaitMs(1, '3600', 30_000, now)).toBe(30_000);
    expect(forgeRetryWaitMs(1, 'Fri, 02 Jan 2026 00:00:00 GMT', 5_000, now)).toBe(5_000);
    expect(forgeRetryWaitMs(20, null, 30_000, now)).toBe(30_000);
  });
});

describe('isTransientStatus', () => {
  it.each([
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [409, false],
    [422, false],
  ])('%i → %s', (status, transient) => {
    expect(isTransientStatus(status)).toBe(transient);
  });
});

describe('createForgeRetry', () => {
  it('tries a 429 and a 5xx again, waiting what each asks, and returns the answer', async () => {
    const waits: number[] = [];
    const retry = createForgeRetry({ token: 't', sleep: async (ms) => void waits.push(ms) }, failures);
    const { run, calls } = scripted([new Answer(429, '3'), new Answer(503)]);
    expect(await retry(run)).toBe('ok');
    expect(calls.count).toBe(3);
    expect(waits).toEqual([3_000, 1_000]);
  });

  it('never tries a refusal or a bad request again', async () => {
    for (const status of [401, 403, 404, 422]) {
      const retry = createForgeRetry({ token: 't', sleep: async () => {} }, failures);
      const { run, calls } = scripted([new Answer(status), new Answer(status)]);
      await expect(retry(run)).rejects.toMatchObject({ status });
      expect(calls.count).toBe(1);
    }
  });

  it('makes maxAttempts calls in all (3 by default), then rethrows the last failure', async () => {
    const outage = () => [1, 2, 3, 4, 5, 6].map(() => new Answer(500));
    const byDefault = scripted(outage());
    const retry = createForgeRetry({ token: 't', sleep: async () => {} }, failures);
    await expect(retry(byDefault.run)).rejects.toMatchObject({ status: 500 });
    expect(byDefault.calls.count).toBe(3);
    const five = scripted(outage());
    const patient = createForgeRetry({ token: 't', maxAttempts: 5, sleep: async () => {} }, failures);
    await expect(patient(five.run)).rejects.toMatchObject({ status: 500 });
    expect(five.calls.count).toBe(5);
  });

  it('caps a long Retry-After at maxRetryAfterMs', async () => {
    const waits: number[] = [];
    const retry = createForgeRetry(
      { token: 't', maxRetryAfterMs: 4_000, sleep: async (ms) => void waits.push(ms) },
      failures,
    );
    const { run } = scripted([new Answer(429, '600')]);
    expect(await retry(run)).toBe('ok');
    expect(waits).toEqual([4_000]);
  });
});
