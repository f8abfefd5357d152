import { describe, expect, it } from 'vitest';
import type { Job } from '../core/ports/queue.ts';
import { afterFailure, backoffMs, isExhausted, isVisible, pickNext } from './queue-rules.ts';

const job = (over: Partial<Job>): Job => ({
  id: 'j',
  kind: 'session',
  key: 'k',
  payload: null,
  state: 'pending',
  attempts: 0,
  maxAttempts: 3,
  runAtMs: 0,
  leasedUntilMs: null,
  leasedBy: null,
  rerun: false,
  lastError: null,
  ...over,
});

describe('queue rules', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [7, 60_000],
    [200, 60_000],
    [0, 1_000],
  ])('backs off %i failed attempts by %i ms', (attempts, expected) => {
    expect(backoffMs(attempts)).toBe(expected);
  });

  it.each<[string, Partial<Job>, boolean]>([
    ['pending and due', { runAtMs: 100 }, true],
    ['pending, not yet due', { runAtMs: 101 }, false],
    ['leased, lease live', { state: 'leased', leasedUntilMs: 101 }, false],
    ['leased, lease expired', { state: 'leased', leasedUntilMs: 100 }, true],
    ['done', { state: 'done' }, false],
    ['dead', { state: 'dead' }, false],
  ])('a job %s is visible: %s', (_name, over, visible) => {
    expect(isVisible(job(over), 100)).toBe(visible);
  });

  it('an expired lease with no attempts left is exhausted; a live one is not', () => {
    expect(isExhausted(job({ state: 'leased', leasedUntilMs: 50, attempts: 3 }), 100)).toBe(true);
    expect(isExhausted(job({ state: 'leased', leasedUntilMs: 50, attempts: 2 }), 100)).toBe(false);
    expect(isExhausted(job({ state: 'leased', leasedUntilMs: 150, attempts: 3 }), 100)).toBe(false);
  });

  it('picks the job visible longest, by id on ties, of the asked kinds, skipping exhausted ones', () => {
    const jobs = [
      job({ id: 'c', runAtMs: 30 }),
      job({ id: 'b', runAtMs: 20 }),
      job({ id: 'a', runAtMs: 20 }),
      job({ id: 'x', kind: 'other', runAtMs: 0 }),
      job({ id: 'e', state: 'leased', leasedUntilMs: 10, attempts: 3 }),
      job({ id: 'f', runAtMs: 500 }),
    ];
    expect(pickNext(jobs, ['session'], 100)?.id).toBe('a');
    expect(pickNext(jobs, ['other'], 100)?.id).toBe('x');
    expect(
      pickNext([job({ id: 'l', state: 'leased', leasedUntilMs: 5, attempts: 1 }), ...jobs], ['session'], 100)
        ?.id,
    ).toBe('l');
    expect(pickNext(jobs, ['session'], 10)).toBeNull();
  });

  it.each<[string, number, boolean, ReturnType<typeof afterFailure>]>([
    ['a transient failure retries after the backoff', 1, true, { state: 'pending', runAtMs: 1_100 }],
    ['the second one waits twice as long', 2, true, { state: 'pending', runAtMs: 2_100 }],
    ['no attempts left: dead', 3, true, { state: 'dead' }],
    ['a permanent failure: dead at once', 1, false, { state: 'dead' }],
  ])('%s', (_name, attempts, transient, expected) => {
    expect(afterFailure({ attempts, maxAttempts: 3 }, { message: 'x', transient }, 100)).toEqual(expected);
  });
});
