import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NewAuditEntry } from '../src/core/audit.ts';
import { recordAudit } from '../src/core/audit.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { Benchmark } from './benchmark.ts';
import { sampleEvent, sampleSession } from './samples.ts';
import { summarize } from './stats.ts';

const EVENT = 'store.record(), one event (what a follow-up writes)';
const AUDIT = 'recordAudit(), one entry (what the audit middleware adds to it)';

const entry = (i: number): NewAuditEntry => ({
  actor: { id: 'token:bench', name: 'bench token' },
  action: 'session.messaged',
  target: 'bench',
  details: {
    method: 'POST',
    route: '/api/sessions/{id}/messages',
    status: 202,
    chars: 40,
    text: `message ${i}`,
  },
  outcome: 'ok',
});

/** The audit log's cost per mutating request on SQLite, against the event append the request makes anyway. */
export const auditAppendBench: Benchmark = {
  id: 'audit-append',
  title: 'Audit log append on SQLite',
  baseline: 'store.record() of one event on the same store: what a follow-up or a cancel writes already',

  async run(context) {
    const dir = await context.scratch('audit-append');
    const store = await openSqliteStore({ path: join(dir, 'drydock.db') });
    context.defer(() => store.close());
    await store.createSession(sampleSession('bench', 'benchmark the audit log'));
    const rounds = context.iterations({ full: 4, quick: 2 });
    const perRound = Math.max(50, Math.floor(context.events / rounds));
    const events: number[] = [];
    const audits: number[] = [];
    let seq = 0;
    // Rounds alternate the two so that a neighbour's burst of load hits both alike.
    for (let round = 0; round < rounds; round++) {
      context.signal.throwIfAborted();
      for (let i = 0; i < perRound; i++) {
        const start = performance.now();
        await store.record('bench', { events: [sampleEvent(++seq)] });
        events.push(performance.now() - start);
      }
      for (let i = 0; i < perRound; i++) {
        const start = performance.now();
        await recordAudit(store, entry(i));
        audits.push(performance.now() - start);
      }
    }
    return {
      rows: [
        { label: EVENT, short: 'event', baseline: true, summary: summarize(events) },
        { label: AUDIT, summary: summarize(audits) },
      ],
      notes: [
        'Times are per call on a WAL SQLite file. An audited request pays its own work plus one audit row; ' +
          'reads (GET) pay nothing.',
      ],
    };
  },
};
