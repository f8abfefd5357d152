import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { Benchmark } from './benchmark.ts';
import { sampleEvent, sampleSession } from './samples.ts';
import { summarize } from './stats.ts';

const RECORD = 'store.record(), one event (what every agent step writes already)';
const LEDGER = 'reserveSpend() + settleSpend() under 3 limits (what the spend guard adds to each model call)';
/** Ledger rows already there this month: a busy server's calls. */
const PRIOR_CALLS = 20_000;

export const spendLedgerBench: Benchmark = {
  id: 'spend-ledger',
  title: 'Spend ledger per model call on SQLite',
  baseline: 'store.record() of one event on the same store: the write each agent step makes anyway',

  async run(context) {
    const dir = await context.scratch('spend-ledger');
    const store = await openSqliteStore({ path: join(dir, 'drydock.db') });
    context.defer(() => store.close());
    await store.createSession(sampleSession('s1', 'benchmark the spend ledger'));
    await store.putSpendLimit({ scope: 'global', period: 'month', amountUsd: 1e9 });
    await store.putSpendLimit({ scope: 'repo:/repos/app', period: 'day', amountUsd: 1e9 });
    await store.putSpendLimit({ scope: 'creator:token:t1', period: 'day', amountUsd: 1e9 });
    const call = { sessionId: 's1', repo: '/repos/app', creator: 'token:t1', estimateUsd: 1 };
    for (let i = 0; i < PRIOR_CALLS; i++) {
      const reservation = await store.reserveSpend({
        ...call,
        repo: i % 2 === 0 ? '/repos/app' : '/repos/other',
      });
      if (reservation.ok) await store.settleSpend(reservation.id, 0.01);
    }
    const recordMs: number[] = [];
    const ledgerMs: number[] = [];
    const rounds = context.iterations({ full: 5, quick: 2 });
    const perRound = 200;
    let seq = 0;
    for (let round = 0; round < rounds; round++) {
      context.signal.throwIfAborted();
      for (let i = 0; i < perRound; i++) {
        let start = performance.now();
        await store.record('s1', { events: [sampleEvent(++seq)] });
        recordMs.push(performance.now() - start);
        start = performance.now();
        const reservation = await store.reserveSpend(call);
        if (reservation.ok) await store.settleSpend(reservation.id, 0.01);
        ledgerMs.push(performance.now() - start);
      }
    }
    return {
      rows: [
        { label: RECORD, short: 'record', baseline: true, summary: summarize(recordMs) },
        { label: LEDGER, summary: summarize(ledgerMs) },
      ],
      notes: [
        `With ${PRIOR_CALLS.toLocaleString('en')} earlier calls in the ledger this month, half on the limited repository. ` +
          'A model call itself takes seconds: the guard adds two small transactions to it.',
      ],
    };
  },
};
