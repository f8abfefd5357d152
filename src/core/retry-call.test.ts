import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from './retry-after.ts';
import { retryCall } from './retry-call.ts';

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each<[string | null | undefined, number | null]>([
    ['7', 7_000],
    [' 0.5 ', 500],
    ['0', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    // A date already past asks for no wait, never a negative one.
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['-3', null],
    ['soon', null],
    ['', null],
    [null, null],
    [undefined, null],
  ])('%j → %s', (header, ms) => {
    expect(parseRetryAfterMs(header, now)).toBe(ms);
  });
});

/** A call that fails with `failures` in turn, then answers 'ok'; it counts its calls. */
function flaky(failures: unknown[]) {
  const calls = { count: 0 };
  const run = async () => {
    calls.count += 1;
    if (calls.count <= failures.length) throw failures[calls.count - 1];
    return 'ok';
  };
  return { run, calls };
}

describe('retryCall', () => {
  it('waits what waitMs says between attempts, and returns the answer that came', async () => {
    const { run, calls } = flaky([new Error('a'), new Error('b')]);
    const waits: number[] = [];
    const seen: Array<[string, number]> = [];
    const answer = await retryCall(run, {
      attempts: 3,
      waitMs: (error, attempt) => {
        seen.push([(error as Error).message, attempt]);
        return attempt * 100;
      },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(answer).toBe('ok');
    expect(calls.count).toBe(3);
    expect(seen).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(waits).toEqual([100, 200]);
  });

  it('stops after its attempts, and gives up with the last error and how many attempts were made', async () => {
    const { run, calls } = flaky([new Error('1'), new Error('2'), new Error('3'), new Error('4')]);
    const outcome = retryCall(run, {
      attempts: 3,
      waitMs: () => 0,
      sleep: async () => {},
      giveUp: (error, attempts) => new Error(`gave up on ${(error as Error).message} after ${attempts}`),
    });
    await expect(outcome).rejects.toThrow('gave up on 3 after 3');
    expect(calls.count).toBe(3);
  });

  it('does not call again when waitMs says null, and rethrows the error as it was thrown', async () => {
    // gitea-js throws the Response itself: no Error, and it must come back out unchanged.
    const answer = { status: 404, headers: new Headers() };
    const { run, calls } = flaky([answer]);
    const outcome = retryCall(run, { attempts: 5, waitMs: () => null, sleep: async () => {} });
    await expect(outcome).rejects.toBe(answer);
    expect(calls.count).toBe(1);
  });

  it('tries a TypeError again when asked to (a lost connection is one: fetch failed)', async () => {
    const { run, calls } = flaky([new TypeError('fetch failed'), new TypeError('x is not a function')]);
    expect(await retryCall(run, { attempts: 3, waitMs: () => 0, sleep: async () => {} })).toBe('ok');
    expect(calls.count).toBe(3);
  });
});
