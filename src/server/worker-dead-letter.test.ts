import { beforeEach, describe, expect, it } from 'vitest';
import type { Harness } from '../../test/support/server-harness.ts';
import { useWorkers } from '../../test/support/worker-fixture.ts';
import { DEMO_TASK } from '../cli/demo/demo-script.ts';
import { BadInputError } from '../core/errors.ts';
import type { Queue } from '../core/ports/queue.ts';
import type { Store } from '../core/ports/store.ts';
import { createInProcessQueue } from '../queue/in-process-queue.ts';
import { createManualClock } from '../queue/queue-contract.ts';
import { createSession } from '../sessions/create-session.ts';
import { SESSION_JOB, type WorkerOptions } from './worker.ts';

describe('a session whose job the queue dead-letters', { timeout: 60_000 }, () => {
  const workers = useWorkers();
  let h: Harness;
  beforeEach(() => {
    h = workers.harness();
  });
  const start = (queue: Queue, options: Partial<WorkerOptions>) => workers.start({ queue, ...options });
  const waitForEnd = async (id: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const session = await h.store.getSession(id);
      if (session && ['failed', 'delivered', 'bowed_out', 'cancelled'].includes(session.state))
        return session;
      if (Date.now() > deadline) throw new Error(`session ${id} did not end: ${session?.state}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('fails when its lease expired on every attempt (a worker that keeps dying on it), saying what to do', async () => {
    const clock = createManualClock();
    const queue = createInProcessQueue({ clock });
    const session = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:demo' });
    await h.store.record(session.id, {
      events: [{ type: 'state.changed', from: 'queued', to: 'provisioning' }],
      patch: { state: 'provisioning' },
    });
    await queue.enqueue({ kind: SESSION_JOB, key: session.id, maxAttempts: 2 });
    for (const worker of ['crashes-1', 'crashes-2']) {
      expect(await queue.lease({ worker, kinds: [SESSION_JOB], visibilityMs: 1_000 })).not.toBeNull();
      clock.advance(1_000);
    }
    await start(queue, { reconcileMs: 50 });

    const ended = await waitForEnd(session.id);
    expect(ended.state).toBe('failed');
    expect(ended.reason).toMatch(/gave up on this session after 2 attempts \(last error: .*lease expired/);
    expect(ended.reason).toMatch(/start a new session with the same task/);
    const events = await h.store.listEvents(session.id);
    expect(events.map((e) => e.data.type)).toEqual([
      'session.created',
      'state.changed',
      'session.error',
      'state.changed',
    ]);
    expect(events[2]?.data).toMatchObject({ type: 'session.error', code: 'job_dead_lettered' });
    expect((await queue.get(SESSION_JOB, session.id))?.state).toBe('dead');
  });

  it('fails at once when its run fails permanently, without waiting for a reconcile', async () => {
    const queue = createInProcessQueue();
    const session = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:demo' });
    // The run's first read fails with an error retrying cannot fix; the worker's own read works.
    let broken = true;
    const store = new Proxy(h.store, {
      get(target, property) {
        if (property === 'getSession' && broken) {
          return async () => {
            broken = false;
            throw new BadInputError('invalid_json', 'the session row cannot be read');
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Store;
    await queue.enqueue({ kind: SESSION_JOB, key: session.id });
    await workers.start({ deps: { ...h.deps, store }, queue, reconcileMs: 3_600_000 });

    const ended = await waitForEnd(session.id);
    expect(ended.state).toBe('failed');
    expect(ended.reason).toMatch(/after 1 attempt \(last error: the session row cannot be read\)/);
    expect(await queue.get(SESSION_JOB, session.id)).toMatchObject({ state: 'dead' });
  });
});
