import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import type { Lease, Queue } from '../core/ports/queue.ts';
import { createPostgresQueue } from '../queue/postgres-queue.ts';
import { openPostgresStore } from '../store/postgres-store.ts';
import { postgresTestDatabases } from '../store/postgres-test-databases.ts';
import { createInProcessEventBus } from './event-bus.ts';
import { createWorker, SESSION_JOB, type Worker } from './worker.ts';

const postgres = postgresTestDatabases('drydock_notify');
const HOUR_MS = 3_600_000;

describe('an idle worker on Postgres', { timeout: 60_000 }, () => {
  let h: Harness;
  const closing: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
    await h.close();
  });

  it('picks up a job another process enqueues through NOTIFY, not its poll', async () => {
    const connectionString = await postgres.fresh();
    const store = await openPostgresStore({ connectionString });
    closing.push(() => store.close());
    const workerQueue = createPostgresQueue({ connectionString });
    const controlQueue = createPostgresQueue({ connectionString });
    closing.push(
      () => workerQueue.close(),
      () => controlQueue.close(),
    );
    // Counts the worker's lease calls: with the poll and the reconcile an hour apart, every lease
    // after the first (the start's) was asked for by a notice.
    const leases: Array<Lease | null> = [];
    let firstDone = () => {};
    const firstLease = new Promise<void>((resolve) => (firstDone = resolve));
    const counted = new Proxy(workerQueue, {
      get(target, property) {
        if (property === 'lease') {
          return async (...args: Parameters<Queue['lease']>) => {
            const lease = await target.lease(...args);
            leases.push(lease);
            firstDone();
            return lease;
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const worker: Worker = createWorker({
      deps: { ...h.deps, store },
      queue: counted,
      bus: createInProcessEventBus(),
      concurrency: 1,
      pollMs: HOUR_MS,
      reconcileMs: HOUR_MS,
      recover: 'queued',
    });
    closing.push(async () => {
      await worker.stop(5_000);
    });
    await worker.start();
    await firstLease;
    expect(leases).toEqual([null]);

    // No such session: the worker's run fails at once, which shows that it leased the job.
    await controlQueue.enqueue({ kind: SESSION_JOB, key: 'no-such-session' });
    const deadline = Date.now() + 30_000;
    while ((await controlQueue.get(SESSION_JOB, 'no-such-session'))?.state !== 'dead') {
      if (Date.now() > deadline) throw new Error('the worker never leased the job');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(leases[1]?.job.key).toBe('no-such-session');
    expect((await controlQueue.get(SESSION_JOB, 'no-such-session'))?.lastError).toMatch(/No session/);
  });
});
