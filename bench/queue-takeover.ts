import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Queue } from '../src/core/ports/queue.ts';
import { createPostgresQueue } from '../src/queue/postgres-queue.ts';
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.ts';
import { openPostgresStore } from '../src/store/postgres-store.ts';
import type { Benchmark, Row } from './benchmark.ts';
import { formatMs } from './report.ts';
import { summarize } from './stats.ts';

/** How often an idle worker asks for work here (both queues): detection, not polling, is measured. */
const POLL_MS = 50;
/** pg-boss's smallest heartbeat (it asserts >= 10 s) and smallest monitor interval (>= 1 s). */
const PG_BOSS_HEARTBEAT_S = 10;
const PG_BOSS_MONITOR_S = 1;

/** The part of pg-boss's API used here (pg-boss is not a dependency: `npm install --no-save pg-boss@12`). */
interface PgBossJob {
  id: string;
}
interface PgBoss {
  start(): Promise<unknown>;
  stop(options?: { graceful?: boolean; timeout?: number }): Promise<void>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  createQueue(name: string, options: Record<string, unknown>): Promise<void>;
  send(name: string, data: object, options: Record<string, unknown>): Promise<string | null>;
  fetch(name: string): Promise<PgBossJob[]>;
  complete(name: string, id: string): Promise<unknown>;
}
type PgBossConstructor = new (options: Record<string, unknown>) => PgBoss;

async function loadPgBoss(): Promise<PgBossConstructor | null> {
  // A variable specifier: tsc must not look for the optional package.
  const specifier = 'pg-boss';
  try {
    const loaded = (await import(specifier)) as { PgBoss?: PgBossConstructor; default?: PgBossConstructor };
    return loaded.PgBoss ?? loaded.default ?? null;
  } catch {
    return null;
  }
}

async function pollUntil<T>(take: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const got = await take();
    if (got !== null) return got;
    if (performance.now() > deadline) throw new Error(`nothing to take within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** drydock's queue: a worker leases the job and dies (no heartbeat); another leases it again. */
async function drydockTakeover(queue: Queue, key: string, visibilityMs: number): Promise<number> {
  await queue.enqueue({ kind: 'session', key });
  const request = { kinds: ['session'], visibilityMs };
  const first = await queue.lease({ ...request, worker: 'dead' });
  if (!first) throw new Error('the first lease found no job');
  const died = performance.now();
  const next = await pollUntil(() => queue.lease({ ...request, worker: 'alive' }), visibilityMs * 5);
  const ms = performance.now() - died;
  await queue.ack(next);
  return ms;
}

/** drydock's queue: a draining worker releases its job (uncounted); another leases it. */
async function drydockHandOff(queue: Queue, key: string): Promise<{ ms: number; attempts: number }> {
  await queue.enqueue({ kind: 'session', key });
  const request = { kinds: ['session'], visibilityMs: 30_000 };
  const first = await queue.lease({ ...request, worker: 'draining' });
  if (!first) throw new Error('the first lease found no job');
  const released = performance.now();
  await queue.release(first);
  const next = await pollUntil(() => queue.lease({ ...request, worker: 'alive' }), 10_000);
  const ms = performance.now() - released;
  await queue.ack(next);
  return { ms, attempts: next.job.attempts };
}

/** pg-boss: a worker fetches the job and dies (no touch); another fetches it once the monitor failed it. */
async function pgBossTakeover(boss: PgBoss, queue: string, key: string): Promise<number> {
  const id = await boss.send(queue, {}, { singletonKey: key });
  if (!id) throw new Error('pg-boss refused the job');
  const [first] = await boss.fetch(queue);
  if (first?.id !== id) throw new Error('the first fetch did not get the job');
  const died = performance.now();
  const next = await pollUntil(async () => (await boss.fetch(queue))[0] ?? null, PG_BOSS_HEARTBEAT_S * 5_000);
  const ms = performance.now() - died;
  if (next.id !== id) throw new Error('the second fetch got another job');
  await boss.complete(queue, next.id);
  return ms;
}

/**
 * Issue 14: whether pg-boss could replace drydock's Postgres queue. The contract point it is measured
 * on: how soon a dead worker's session is leased by another worker. docs/scale-out.md has the rest.
 */
export const queueTakeover: Benchmark = {
  id: 'queue-takeover',
  title: "Postgres queue: a dead worker's job taken by another (drydock's queue vs pg-boss)",
  baseline:
    "drydock's Postgres queue with the same 10 s visibility as pg-boss's smallest heartbeat (the lease expires; the next lease takes it)",

  async run(context) {
    const iterations = context.iterations({ full: 3, quick: 1 });
    const postgres = await startEmbeddedPostgres();
    context.defer(() => postgres.stop());
    const admin = new pg.Client({ connectionString: postgres.connectionString });
    await admin.connect();
    const database = async (name: string) => {
      await admin.query(`create database ${name}`);
      const url = new URL(postgres.connectionString);
      url.pathname = `/${name}`;
      return url.toString();
    };
    try {
      const ours = await database('bench_drydock_queue');
      // The store's migrations create the jobs table.
      await (await openPostgresStore({ connectionString: ours })).close();
      const queue = createPostgresQueue({ connectionString: ours, clock: systemClock });
      const dead10: number[] = [];
      const dead2: number[] = [];
      const handOff: number[] = [];
      let handOffAttempts = 0;
      try {
        for (let i = 0; i < iterations; i++) {
          context.signal.throwIfAborted();
          context.log(`drydock queue, round ${i + 1}/${iterations}`);
          dead10.push(await drydockTakeover(queue, `s10-${i}`, 10_000));
          dead2.push(await drydockTakeover(queue, `s2-${i}`, 2_000));
          const released = await drydockHandOff(queue, `h-${i}`);
          handOff.push(released.ms);
          handOffAttempts = Math.max(handOffAttempts, released.attempts);
        }
      } finally {
        await queue.close();
      }

      const PgBoss = await loadPgBoss();
      const boss: number[] = [];
      if (PgBoss) {
        const instance = new PgBoss({
          connectionString: await database('bench_pg_boss'),
          monitorIntervalSeconds: PG_BOSS_MONITOR_S,
          superviseIntervalSeconds: PG_BOSS_MONITOR_S,
        });
        instance.on('error', (error) => context.log(`pg-boss: ${String(error)}`));
        await instance.start();
        try {
          // One job per session, one active at a time, as drydock's keyed jobs.
          await instance.createQueue('session', {
            policy: 'stately',
            heartbeatSeconds: PG_BOSS_HEARTBEAT_S,
            retryLimit: 5,
            retryDelay: 0,
          });
          for (let i = 0; i < iterations; i++) {
            context.signal.throwIfAborted();
            context.log(`pg-boss, round ${i + 1}/${iterations}`);
            boss.push(await pgBossTakeover(instance, 'session', `b-${i}`));
            context.log(`  taken after ${formatMs(boss.at(-1) ?? Number.NaN)}`);
          }
        } finally {
          await instance.stop({ graceful: false, timeout: 1_000 });
        }
      } else {
        context.log('pg-boss is not installed (npm install --no-save pg-boss@12): its row is skipped');
      }

      const BASELINE = "drydock queue, lease 10 s: dead worker's job leased by another";
      const rows: Row[] = [
        { label: BASELINE, short: 'drydock 10 s', baseline: true, summary: summarize(dead10) },
        {
          label: "drydock queue, lease 2 s (the scale-out tests'): same",
          summary: summarize(dead2),
        },
        {
          label: 'drydock queue: a draining worker releases, another leases (hand-off)',
          summary: summarize(handOff),
          note: `attempts counted: ${handOffAttempts} (the release is not an attempt)`,
        },
      ];
      if (boss.length > 0) {
        rows.push({
          label: `pg-boss, heartbeat ${PG_BOSS_HEARTBEAT_S} s, monitor every ${PG_BOSS_MONITOR_S} s (its minimums): same`,
          summary: summarize(boss),
          note: 'the monitor fails the job (a retry counted), then a fetch takes it',
        });
      }
      return {
        rows,
        notes: [
          `Embedded Postgres, one database per queue. A worker leases (fetches) a job and dies: no heartbeat ` +
            `after that; another worker asks every ${POLL_MS} ms. Measured from the death to the second lease. ` +
            `${iterations} rounds each. pg-boss is measured only when installed (\`npm install --no-save ` +
            'pg-boss@12`): drydock does not depend on it. See docs/scale-out.md, "Why not pg-boss".',
          boss.length > 0
            ? `pg-boss's p50 is ${formatMs(summarize(boss).p50)} against ${formatMs(summarize(dead2).p50)} for ` +
              "drydock's queue with the 2-second lease the scale-out tests use."
            : 'pg-boss was not installed for this run.',
        ],
      };
    } finally {
      await admin.end();
    }
  },
};
