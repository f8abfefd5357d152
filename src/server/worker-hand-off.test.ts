import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import { DEMO_SCRIPT, DEMO_TASK } from '../cli/demo/demo-script.ts';
import type { Queue } from '../core/ports/queue.ts';
import type { Script } from '../models/script-file.ts';
import { createInProcessQueue } from '../queue/in-process-queue.ts';
import { createManualClock } from '../queue/queue-contract.ts';
import { createSession } from '../sessions/create-session.ts';
import { createInProcessEventBus } from './event-bus.ts';
import { createWorker, SESSION_JOB, type Worker } from './worker.ts';

/** The demo with a slow command first: the worker is stopped while it runs. */
const SLOW_SCRIPT: Script = Array.isArray(DEMO_SCRIPT)
  ? DEMO_SCRIPT
  : {
      ...DEMO_SCRIPT,
      coder: [
        { toolCalls: [{ name: 'bash', input: { command: 'sleep 1 && echo slept' } }] },
        ...(DEMO_SCRIPT.coder ?? []),
      ],
    };

describe('a worker that stops', { timeout: 60_000 }, () => {
  let h: Harness;
  let queue: Queue;
  const workers: Worker[] = [];
  beforeEach(async () => {
    h = await createHarness();
    h.scripts.slow = SLOW_SCRIPT;
    queue = createInProcessQueue();
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop(5_000);
    await h.close();
  });

  const start = async (workerId: string, options: { heartbeatMs?: number } = {}) => {
    const worker = createWorker({
      deps: h.deps,
      queue,
      ...options,
      bus: createInProcessEventBus(),
      concurrency: 1,
      pollMs: 20,
      recover: 'queued',
      workerId,
    });
    workers.push(worker);
    await worker.start();
    return worker;
  };
  const waitFor = async (check: () => Promise<boolean>) => {
    const deadline = Date.now() + 45_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const typesOf = async (id: string) => (await h.store.listEvents(id)).map((e) => e.data.type);

  it('hands its session off after the step in flight: not cancelled, resumed by another worker from there', async () => {
    const session = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:slow' });
    await queue.enqueue({ kind: SESSION_JOB, key: session.id });
    const first = await start('first');
    await waitFor(async () => (await typesOf(session.id)).includes('tool.call'));

    // The step in flight (the 1 s command) ends and is recorded; then the run stops.
    expect(await first.stop(30_000)).toEqual([]);
    workers.splice(workers.indexOf(first), 1);
    const stopped = await h.store.getSession(session.id);
    expect(stopped?.state).toBe('working');
    const log = await h.store.listEvents(session.id);
    const types = log.map((e) => e.data.type);
    expect(types.at(-1)).toBe('session.handed_off');
    expect(log.at(-1)?.data).toEqual({ type: 'session.handed_off', state: 'working' });
    expect(types.filter((t) => t === 'tool.call')).toHaveLength(1);
    const result = log.find((e) => e.data.type === 'tool.result');
    expect(JSON.stringify(result?.data)).toContain('slept');
    expect(types).not.toContain('session.error');
    // Released, so the attempt does not count, and visible at once.
    expect(await queue.get(SESSION_JOB, session.id)).toMatchObject({ state: 'pending', attempts: 0 });

    await start('second');
    await waitFor(async () => (await h.store.getSession(session.id))?.state === 'delivered');
    const after = await h.store.listEvents(session.id);
    const slow = after.filter(
      (e) => e.data.type === 'tool.call' && JSON.stringify(e.data.input).includes('sleep 1'),
    );
    expect(slow).toHaveLength(1);
    expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));
  });

  it('stops its run after the step in flight when its lease was lost, without cancelling the session', async () => {
    const clock = createManualClock();
    queue = createInProcessQueue({ clock });
    const session = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:slow' });
    await queue.enqueue({ kind: SESSION_JOB, key: session.id });
    const frozen = await start('frozen', { heartbeatMs: 50 });
    await waitFor(async () => (await typesOf(session.id)).includes('tool.call'));
    // The worker looked frozen for longer than its lease: another one took the job.
    clock.advance(60_000);
    const taken = await queue.lease({ worker: 'other', kinds: [SESSION_JOB], visibilityMs: 600_000 });
    expect(taken?.job.key).toBe(session.id);

    await waitFor(async () => frozen.running().length === 0);
    const log = await h.store.listEvents(session.id);
    expect(log.at(-1)?.data).toEqual({ type: 'session.handed_off', state: 'working' });
    expect((await h.store.getSession(session.id))?.state).toBe('working');
    // The job stays with the worker that took it.
    expect(await queue.get(SESSION_JOB, session.id)).toMatchObject({ state: 'leased', leasedBy: 'other' });
  });
});
