import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../core/ports/clock.ts';
import type { Lease, Queue } from '../core/ports/queue.ts';
import type { BackoffPolicy } from './queue-rules.ts';

/** A clock the test moves by hand. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function createManualClock(startMs = Date.parse('2025-01-01T00:00:00.000Z')): ManualClock {
  let ms = startMs;
  return { now: () => new Date(ms), advance: (by) => (ms += by) };
}

export interface QueueDeps {
  clock: Clock;
  backoff: BackoffPolicy;
}

const VISIBILITY_MS = 30_000;
const BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 8_000 };

/** One suite for every Queue implementation: `make` returns a new, empty queue. */
export function describeQueueContract(name: string, make: (deps: QueueDeps) => Promise<Queue>): void {
  describe(`Queue contract: ${name}`, () => {
    let clock: ManualClock;
    let queue: Queue;
    beforeEach(async () => {
      clock = createManualClock();
      queue = await make({ clock, backoff: BACKOFF });
    });
    afterEach(async () => {
      await queue.close();
    });

    const lease = (worker = 'w1', kinds = ['session']) =>
      queue.lease({ worker, kinds, visibilityMs: VISIBILITY_MS });
    const leased = async (worker = 'w1'): Promise<Lease> => {
      const got = await lease(worker);
      if (!got) throw new Error('expected a job to lease');
      return got;
    };

    it('leases enqueued jobs oldest first, once each, only of the asked kinds', async () => {
      await queue.enqueue({ kind: 'session', key: 'a', payload: { n: 1 } });
      clock.advance(1);
      await queue.enqueue({ kind: 'session', key: 'b' });
      await queue.enqueue({ kind: 'other', key: 'c' });
      const first = await leased();
      expect(first.job).toMatchObject({
        key: 'a',
        payload: { n: 1 },
        state: 'leased',
        attempts: 1,
        leasedBy: 'w1',
      });
      expect((await leased('w2')).job.key).toBe('b');
      expect(await lease('w3')).toBeNull();
      expect((await lease('w3', ['other']))?.job.key).toBe('c');
    });

    it('keeps one job per key: enqueueing a waiting job does nothing', async () => {
      const a = await queue.enqueue({ kind: 'session', key: 'a' });
      const again = await queue.enqueue({ kind: 'session', key: 'a' });
      expect(again.id).toBe(a.id);
      await leased();
      expect(await lease('w2')).toBeNull();
    });

    it('makes a job visible again when its lease expires, and heartbeats keep it leased', async () => {
      await queue.enqueue({ kind: 'session', key: 'a' });
      const first = await leased('w1');
      clock.advance(VISIBILITY_MS - 1);
      expect(await queue.heartbeat(first, VISIBILITY_MS)).toBe(true);
      clock.advance(VISIBILITY_MS - 1);
      expect(await lease('w2')).toBeNull();
      clock.advance(1);
      const second = await leased('w2');
      expect(second.job).toMatchObject({ key: 'a', attempts: 2, leasedBy: 'w2' });
      // The first worker lost it: none of its calls change the job any more.
      expect(await queue.heartbeat(first, VISIBILITY_MS)).toBe(false);
      expect(await queue.ack(first)).toBe(false);
      expect(await queue.release(first)).toBe(false);
      expect(await queue.fail(first, { message: 'x', transient: true })).toBe(false);
      expect((await queue.get('session', 'a'))?.leasedBy).toBe('w2');
    });

    it('ack ends the job; enqueueing it again later makes a new run', async () => {
      await queue.enqueue({ kind: 'session', key: 'a' });
      expect(await queue.ack(await leased())).toBe(true);
      expect((await queue.get('session', 'a'))?.state).toBe('done');
      clock.advance(VISIBILITY_MS * 2);
      expect(await lease()).toBeNull();
      await queue.enqueue({ kind: 'session', key: 'a' });
      expect((await leased()).job.attempts).toBe(1);
    });

    it('a job enqueued while leased runs once more after the ack, and no two workers hold it at once', async () => {
      await queue.enqueue({ kind: 'session', key: 'a' });
      const held = await leased();
      expect((await queue.enqueue({ kind: 'session', key: 'a' })).rerun).toBe(true);
      expect(await lease('w2')).toBeNull();
      await queue.ack(held);
      expect((await leased('w2')).job).toMatchObject({ attempts: 1, rerun: false });
    });

    it('release hands a job back at once without counting the attempt', async () => {
      await queue.enqueue({ kind: 'session', key: 'a' });
      expect(await queue.release(await leased('w1'))).toBe(true);
      expect((await leased('w2')).job).toMatchObject({ attempts: 1, leasedBy: 'w2' });
    });

    it('retries a transient failure after a growing backoff, then dead-letters it', async () => {
      await queue.enqueue({ kind: 'session', key: 'a', maxAttempts: 3 });
      expect(await queue.fail(await leased(), { message: 'flaky', transient: true })).toBe(true);
      expect(await lease()).toBeNull();
      clock.advance(999);
      expect(await lease()).toBeNull();
      clock.advance(1);
      await queue.fail(await leased(), { message: 'flaky', transient: true });
      clock.advance(1_999);
      expect(await lease()).toBeNull();
      clock.advance(1);
      await queue.fail(await leased(), { message: 'still flaky', transient: true });
      clock.advance(60_000);
      expect(await lease()).toBeNull();
      expect(await queue.get('session', 'a')).toMatchObject({
        state: 'dead',
        attempts: 3,
        lastError: 'still flaky',
      });
    });

    it('dead-letters a permanent failure at once, and a job whose lease expired on every attempt', async () => {
      await queue.enqueue({ kind: 'session', key: 'a' });
      await queue.fail(await leased(), { message: 'bad payload', transient: false });
      expect((await queue.get('session', 'a'))?.state).toBe('dead');
      await queue.enqueue({ kind: 'session', key: 'b', maxAttempts: 2 });
      await leased();
      clock.advance(VISIBILITY_MS);
      await leased();
      clock.advance(VISIBILITY_MS);
      expect(await lease()).toBeNull();
      expect((await queue.get('session', 'b'))?.state).toBe('dead');
      // A dead job comes back when someone enqueues it again.
      await queue.enqueue({ kind: 'session', key: 'b' });
      expect((await leased()).job).toMatchObject({ key: 'b', attempts: 1, lastError: null });
    });

    it('tells watchers when a job may have become leasable: enqueued, released, due again after an ack', async () => {
      let wake = () => {};
      const woken = () => new Promise<void>((resolve) => (wake = resolve));
      const unwatch = await queue.watch(() => wake());
      let next = woken();
      await queue.enqueue({ kind: 'session', key: 'a' });
      await next;
      next = woken();
      await queue.release(await leased());
      await next;
      const held = await leased();
      await queue.enqueue({ kind: 'session', key: 'a' });
      next = woken();
      await queue.ack(held);
      await next;
      await unwatch();
    });

    it('hands each of many jobs to exactly one of many concurrent leasers', async () => {
      for (let i = 0; i < 12; i += 1) await queue.enqueue({ kind: 'session', key: `k${i}` });
      const got = await Promise.all(Array.from({ length: 16 }, (_, i) => lease(`w${i}`)));
      const keys = got.flatMap((l) => (l ? [l.job.key] : []));
      expect(keys).toHaveLength(12);
      expect(new Set(keys).size).toBe(12);
    });
  });
}
