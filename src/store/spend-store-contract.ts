import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../core/ports/clock.ts';
import type { Store } from '../core/ports/store.ts';
import type { SpendLimit } from '../core/spend-limits.ts';
import { RESERVATION_STALE_MS } from './spend-store.ts';

/** Two stores on one database (two workers), on a clock the test moves. */
export type OpenSpendStores = (clock: Clock) => Promise<{ a: Store; b: Store }>;

/** A clock the test sets. */
function movableClock(iso: string): Clock & { set(iso: string): void; advance(ms: number): void } {
  let now = new Date(iso);
  return {
    now: () => new Date(now),
    set: (next) => {
      now = new Date(next);
    },
    advance: (ms) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

const call = (estimateUsd: number, extra: Partial<{ repo: string; creator: string }> = {}) => ({
  sessionId: 's1',
  repo: extra.repo ?? '/repos/app',
  ...(extra.creator ? { creator: extra.creator } : {}),
  estimateUsd,
});

/** The spend limits and ledger (docs/cost.md), run against every store implementation. */
export function describeSpendStoreContract(name: string, open: OpenSpendStores): void {
  describe(`spend limits and ledger: ${name}`, () => {
    const opened: Store[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });
    const stores = async (clock: Clock) => {
      const pair = await open(clock);
      opened.push(pair.a, pair.b);
      return pair;
    };

    it('keeps one limit per scope and period, replaced by a new amount, and deletes it', async () => {
      const { a, b } = await stores(movableClock('2026-12-05T10:00:00Z'));
      await a.putSpendLimit({ scope: 'repo:acme/app', period: 'day', amountUsd: 5 });
      await a.putSpendLimit({ scope: 'global', period: 'month', amountUsd: 100 });
      await b.putSpendLimit({ scope: 'repo:acme/app', period: 'day', amountUsd: 7.5 });
      expect(await a.listSpendLimits()).toEqual([
        { scope: 'global', period: 'month', amountUsd: 100, source: 'store' },
        { scope: 'repo:acme/app', period: 'day', amountUsd: 7.5, source: 'store' },
      ]);
      expect(await b.deleteSpendLimit('repo:acme/app', 'day')).toBe(true);
      expect(await b.deleteSpendLimit('repo:acme/app', 'day')).toBe(false);
      expect(await a.listSpendLimits()).toHaveLength(1);
    });

    it('refuses a call that would overshoot, counts settled costs and calls in flight, and resets at UTC midnight', async () => {
      const clock = movableClock('2026-12-05T23:00:00Z');
      const { a } = await stores(clock);
      await a.putSpendLimit({ scope: 'repo:/repos/app', period: 'day', amountUsd: 1 });
      const first = await a.reserveSpend(call(0.5));
      if (!first.ok) throw new Error('the first call fits');
      // In flight, the reservation counts at its estimate.
      expect((await a.reserveSpend(call(0.75))).ok).toBe(false);
      await a.settleSpend(first.id, 0.25);
      const second = await a.reserveSpend(call(0.75));
      expect(second.ok).toBe(true);
      const refused = await a.reserveSpend(call(0.01));
      expect(refused).toEqual({
        ok: false,
        refusal: {
          limit: { scope: 'repo:/repos/app', period: 'day', amountUsd: 1, source: 'store' },
          spentUsd: 1,
          resetsAt: '2026-12-06T00:00:00.000Z',
          estimateUsd: 0.01,
        },
      });
      // Another repository is not under this limit.
      expect((await a.reserveSpend(call(0.9, { repo: '/repos/other' }))).ok).toBe(true);
      const [status] = await a.spendStatus([
        { scope: 'repo:/repos/app', period: 'day', amountUsd: 1, source: 'store' },
      ]);
      expect(status).toMatchObject({ spentUsd: 1, resetsAt: '2026-12-06T00:00:00.000Z' });
      clock.set('2026-12-06T00:00:01Z');
      expect((await a.reserveSpend(call(0.9))).ok).toBe(true);
    });

    it('releases a failed call, and stops counting a reservation its worker never settled', async () => {
      const clock = movableClock('2026-12-05T10:00:00Z');
      const { a } = await stores(clock);
      await a.putSpendLimit({ scope: 'global', period: 'month', amountUsd: 1 });
      const held = await a.reserveSpend(call(0.8));
      if (!held.ok) throw new Error('fits');
      expect((await a.reserveSpend(call(0.5))).ok).toBe(false);
      await a.releaseSpend(held.id);
      const lost = await a.reserveSpend(call(0.8));
      expect(lost.ok).toBe(true);
      expect((await a.reserveSpend(call(0.5))).ok).toBe(false);
      clock.advance(RESERVATION_STALE_MS + 1);
      expect((await a.reserveSpend(call(0.5))).ok).toBe(true);
    });

    it('checks the configured (environment) limits and a creator’s with the stored ones; an estimate of 0 asks whether one is spent', async () => {
      const { a } = await stores(movableClock('2026-12-05T10:00:00Z'));
      const configured: SpendLimit[] = [{ scope: 'global', period: 'day', amountUsd: 2, source: 'env' }];
      await a.putSpendLimit({ scope: 'creator:github:octo', period: 'day', amountUsd: 0.5 });
      const octo = await a.reserveSpend({ ...call(0.5, { creator: 'github:octo' }), configured });
      if (!octo.ok) throw new Error('fits');
      await a.settleSpend(octo.id, 0.5);
      const spent = await a.reserveSpend({ ...call(0, { creator: 'github:octo' }), configured });
      expect(spent.ok ? null : spent.refusal.limit.scope).toBe('creator:github:octo');
      expect((await a.reserveSpend({ ...call(0, { creator: 'github:other' }), configured })).ok).toBe(true);
      const global = await a.reserveSpend({ ...call(1.75, { creator: 'github:other' }), configured });
      expect(global.ok ? null : global.refusal).toMatchObject({ limit: { source: 'env' }, spentUsd: 0.5 });
    });

    it('two workers reserving at once never overshoot a limit together', async () => {
      const { a, b } = await stores(movableClock('2026-12-05T10:00:00Z'));
      await a.putSpendLimit({ scope: 'global', period: 'day', amountUsd: 1 });
      // 1/8 is exact in binary, so exactly eight calls fit, whatever order they commit in.
      const loop = async (store: Store) => {
        const reservation = await store.reserveSpend(call(0.125));
        if (reservation.ok) await store.settleSpend(reservation.id, 0.125);
        return reservation.ok;
      };
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => loop(i % 2 === 0 ? a : b)));
      expect(results.filter(Boolean)).toHaveLength(8);
      const [status] = await b.spendStatus([
        { scope: 'global', period: 'day', amountUsd: 1, source: 'store' },
      ]);
      expect(status?.spentUsd).toBe(1);
    });
  });
}
