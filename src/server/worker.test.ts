import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/support/log-records.ts';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import { DEMO_SCRIPT, DEMO_TASK } from '../cli/demo/demo-script.ts';
import type { Queue } from '../core/ports/queue.ts';
import type { Script } from '../models/script-file.ts';
import { createInProcessQueue } from '../queue/in-process-queue.ts';
import { createChildSession } from '../sessions/child-session.ts';
import { createSession } from '../sessions/create-session.ts';
import { requestCancel } from '../sessions/follow-ups.ts';
import { createInProcessEventBus } from './event-bus.ts';
import { createSessionControl } from './session-control.ts';
import { createWorker, SESSION_JOB, type WorkerOptions } from './worker.ts';

/** The demo with a slow command first, so a test can act while the session runs. */
const SLOW_SCRIPT: Script = Array.isArray(DEMO_SCRIPT)
  ? DEMO_SCRIPT
  : {
      ...DEMO_SCRIPT,
      coder: [{ toolCalls: [{ name: 'bash', input: { command: 'sleep 2' } }] }, ...(DEMO_SCRIPT.coder ?? [])],
    };

describe('worker', { timeout: 60_000 }, () => {
  let h: Harness;
  let queue: Queue;
  const workers: Array<ReturnType<typeof createWorker>> = [];
  beforeEach(async () => {
    h = await createHarness();
    h.scripts.slow = SLOW_SCRIPT;
    queue = createInProcessQueue();
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop(5_000);
    await h.close();
  });

  const start = async (options: Partial<WorkerOptions> = {}) => {
    const worker = createWorker({
      deps: h.deps,
      queue,
      bus: createInProcessEventBus(),
      concurrency: 1,
      pollMs: 20,
      ...options,
    });
    workers.push(worker);
    await worker.start();
    return worker;
  };
  const waitFor = async (check: () => Promise<boolean>, timeoutMs = 45_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const stateOf = async (id: string) => (await h.store.getSession(id))?.state;

  it('resumes a session a crashed process left provisioning, and runs queued ones oldest first within its concurrency', async () => {
    const crashed = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:demo' });
    // What a process that died right after picking the session leaves behind.
    await h.store.record(crashed.id, {
      events: [{ type: 'state.changed', from: 'queued', to: 'provisioning' }],
      patch: { state: 'provisioning' },
    });
    const queued = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:demo' });
    const bus = createInProcessEventBus();
    const published: string[] = [];
    const off = bus.subscribe(crashed.id, (event) => published.push(event.data.type));
    let maxRunning = 0;
    const { log, records } = captureLogs();
    const worker = createWorker({
      deps: h.deps,
      queue,
      bus,
      concurrency: 1,
      pollMs: 20,
      recover: 'live',
      workerId: 'w1',
      log,
    });
    workers.push(worker);
    const sampler = setInterval(() => {
      maxRunning = Math.max(maxRunning, worker.running().length);
    }, 5);
    await worker.start();
    await waitFor(async () => (await stateOf(queued.id)) === 'delivered');
    clearInterval(sampler);
    off();
    expect(await stateOf(crashed.id)).toBe('delivered');
    expect(published).toContain('delivery.branch');
    expect(maxRunning).toBe(1);
    expect(await queue.get(SESSION_JOB, crashed.id)).toMatchObject({ state: 'done' });
    expect(await queue.get(SESSION_JOB, queued.id)).toMatchObject({ state: 'done' });
    // Each run's start and end, as JSON records with the worker, the session and its job bound.
    const job = await queue.get(SESSION_JOB, crashed.id);
    const ofCrashed = records.filter((record) => record.sessionId === crashed.id);
    expect(ofCrashed.map((record) => [record.msg, record.state ?? null])).toEqual([
      ['session run started', null],
      ['session run ended', 'delivered'],
    ]);
    for (const record of ofCrashed) {
      expect(record).toMatchObject({ level: 30, component: 'worker', workerId: 'w1', jobId: job?.id });
    }
    expect(records.filter((record) => record.msg === 'session run started').map((r) => r.sessionId)).toEqual([
      crashed.id,
      queued.id,
    ]);
  });

  it('on a durable queue, enqueues on start only the mid-run sessions that have no job at all', async () => {
    const orphan = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:demo' });
    const held = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:demo' });
    for (const session of [orphan, held]) {
      await h.store.record(session.id, {
        events: [{ type: 'state.changed', from: 'queued', to: 'provisioning' }],
        patch: { state: 'provisioning' },
      });
    }
    // Another worker holds `held`; `orphan` was left by a drydock from before the queue.
    await queue.enqueue({ kind: SESSION_JOB, key: held.id });
    await queue.lease({ worker: 'other', kinds: [SESSION_JOB], visibilityMs: 60_000 });
    await start({ recover: 'queued' });
    await waitFor(async () => (await stateOf(orphan.id)) === 'delivered');
    expect(await stateOf(held.id)).toBe('provisioning');
    expect(await queue.get(SESSION_JOB, held.id)).toMatchObject({ leasedBy: 'other', rerun: false });
  });

  it("never enqueues a parent's children, queued or left mid-run: the parent's run runs them", async () => {
    const parent = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:demo' });
    const queuedChild = await createChildSession(h.deps, parent, {
      kind: 'attempt',
      task: DEMO_TASK,
      model: 'script:demo',
    });
    const midRunChild = await createChildSession(h.deps, parent, {
      kind: 'child',
      task: DEMO_TASK,
      model: 'script:demo',
    });
    await h.store.record(midRunChild.id, {
      events: [{ type: 'state.changed', from: 'queued', to: 'working' }],
      patch: { state: 'working' },
    });
    const control = createSessionControl({ store: h.store, queue, worker: null });
    await control.wake(queuedChild.id);
    await start({ recover: 'live', reconcileMs: 100 });
    await waitFor(async () => (await stateOf(parent.id)) === 'delivered');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await queue.get(SESSION_JOB, queuedChild.id)).toBeNull();
    expect(await queue.get(SESSION_JOB, midRunChild.id)).toBeNull();
  });

  it('enqueues a queued session whose enqueue was lost, once it waited a reconcile period', async () => {
    await start({ recover: 'queued', reconcileMs: 300 });
    const lost = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:demo' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await queue.get(SESSION_JOB, lost.id)).toBeNull();
    await waitFor(async () => (await stateOf(lost.id)) === 'delivered');
  });

  it('takes over a session whose worker died once its lease expires, and resumes it', async () => {
    const session = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:demo' });
    await queue.enqueue({ kind: SESSION_JOB, key: session.id });
    // A worker leases it, starts it and dies without a heartbeat.
    await queue.lease({ worker: 'dead', kinds: [SESSION_JOB], visibilityMs: 300 });
    await h.store.record(session.id, {
      events: [{ type: 'state.changed', from: 'queued', to: 'provisioning' }],
      patch: { state: 'provisioning' },
    });
    const worker = await start({ workerId: 'alive' });
    expect(worker.running()).toEqual([]);
    await waitFor(async () => (await stateOf(session.id)) === 'delivered');
    expect(await queue.get(SESSION_JOB, session.id)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('aborts a run when another process records a cancel request for it', async () => {
    const session = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:slow' });
    await queue.enqueue({ kind: SESSION_JOB, key: session.id });
    await start({ cancelPollMs: 50 });
    await waitFor(async () =>
      (await h.store.listEvents(session.id)).some((e) => e.data.type === 'tool.call'),
    );
    const requestedAt = Date.now();
    await requestCancel(h.store, session.id);
    await waitFor(async () => (await stateOf(session.id)) === 'cancelled');
    // The abort reaches the running `sleep 2`, so it ends well before the command would.
    expect(Date.now() - requestedAt).toBeLessThan(2_000);
    expect(await queue.get(SESSION_JOB, session.id)).toMatchObject({ state: 'done' });
  });

  it('on stop, hands a session still running back to the queue instead of holding its lease', async () => {
    const session = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:slow' });
    await queue.enqueue({ kind: SESSION_JOB, key: session.id });
    const worker = await start();
    await waitFor(async () => worker.running().length === 1);
    workers.splice(0);
    expect(await worker.stop(50)).toEqual([session.id]);
    expect(await queue.get(SESSION_JOB, session.id)).toMatchObject({ state: 'leased' });
    await worker.handOff();
    expect(await queue.get(SESSION_JOB, session.id)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await queue.lease({ worker: 'next', kinds: [SESSION_JOB], visibilityMs: 1000 })).not.toBeNull();
    // End the run that this process still carries (a real worker process exits here).
    worker.abort(session.id);
    await waitFor(async () => worker.running().length === 0);
  });

  it('tells onRunning of every start and end, and takes a heartbeat answered after the ack for no lost lease', async () => {
    // Every heartbeat is answered late, after the run may have acked: its "not held" is no loss.
    const slowHeartbeats: Queue = {
      ...queue,
      heartbeat: async (lease, visibilityMs) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return queue.heartbeat(lease, visibilityMs);
      },
    };
    // Warnings and errors only: a lost lease is a warning.
    const { log, records } = captureLogs('warn');
    const seen: string[][] = [];
    const session = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:demo' });
    await start({
      queue: slowHeartbeats,
      heartbeatMs: 100,
      log,
      onRunning: (ids) => seen.push(ids),
    });
    await waitFor(async () => (await stateOf(session.id)) === 'delivered');
    await waitFor(async () => seen.at(-1)?.length === 0);
    expect(seen).toEqual([[session.id], []]);
    // Beats still in flight at the ack come back false.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(records).toEqual([]);
  });
});
