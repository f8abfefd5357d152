import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/support/log-records.ts';
import { useWorkers } from '../../test/support/worker-fixture.ts';
import { DEMO_TASK } from '../cli/demo/demo-script.ts';
import { SESSION_TAKEN_OVER, type Store, type StoreWrite } from '../core/ports/store.ts';
import { createInProcessQueue } from '../queue/in-process-queue.ts';
import { createManualClock } from '../queue/queue-contract.ts';
import { createSession } from '../sessions/create-session.ts';
import { SESSION_JOB } from './worker.ts';

const run = promisify(execFile);

/**
 * A store whose first write of a tool result waits until the test lets it go: the worker writing it
 * looks frozen (a long GC pause, a suspended VM) in the middle of recording its step.
 */
function freezingStore(store: Store) {
  let reached: () => void = () => {};
  let thaw: () => void = () => {};
  const frozen = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const thawed = new Promise<void>((resolve) => {
    thaw = resolve;
  });
  let armed = true;
  const wrapped: Store = {
    ...store,
    async record(sessionId: string, write: StoreWrite) {
      if (armed && write.events?.some((event) => event.type === 'tool.result')) {
        armed = false;
        reached();
        await thawed;
      }
      return store.record(sessionId, write);
    },
  };
  return { store: wrapped, frozen, thaw };
}

describe('a worker frozen past its lease', { timeout: 60_000 }, () => {
  const { harness, start } = useWorkers();
  const waitFor = async (check: () => Promise<boolean> | boolean) => {
    const deadline = Date.now() + 45_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('writes nothing once another worker took the session over: one log, one step each, one delivery', async () => {
    const h = harness();
    const clock = createManualClock();
    const queue = createInProcessQueue({ clock });
    const session = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:demo' });
    await queue.enqueue({ kind: SESSION_JOB, key: session.id });

    // Worker A freezes while writing its first tool result. It never heartbeats in time (an hour), so
    // only the store's fencing can keep its write out.
    const freezing = freezingStore(h.store);
    const logOfA = captureLogs();
    const a = await start({
      queue,
      deps: { ...h.deps, store: freezing.store },
      workerId: 'a',
      heartbeatMs: 3_600_000,
      log: logOfA.log,
    });
    await freezing.frozen;
    expect(a.running()).toEqual([session.id]);

    // A's lease expires; worker B leases the job, takes the session over and delivers it.
    clock.advance(60_000);
    await start({ queue, workerId: 'b' });
    await waitFor(async () => (await h.store.getSession(session.id))?.state === 'delivered');
    await waitFor(async () => (await queue.get(SESSION_JOB, session.id))?.state === 'done');
    const logOfB = await h.store.listEvents(session.id);
    const checkpointOfB = await h.store.loadCheckpoint(session.id);
    const conversationOfB = await h.store.loadCheckpointLog(session.id);
    const sessionOfB = await h.store.getSession(session.id);

    // A thaws: its pending write is refused and its run ends without writing anything else.
    freezing.thaw();
    await waitFor(() => a.running().length === 0);
    expect(await h.store.listEvents(session.id)).toEqual(logOfB);
    expect(await h.store.loadCheckpoint(session.id)).toEqual(checkpointOfB);
    expect(await h.store.loadCheckpointLog(session.id)).toEqual(conversationOfB);
    expect(await h.store.getSession(session.id)).toEqual(sessionOfB);
    // A's run learnt it was taken over and said so, bound to the session and its job.
    const takenOver = logOfA.records.find(
      (record) => (record.err as { code?: string } | undefined)?.code === SESSION_TAKEN_OVER,
    );
    expect(takenOver).toMatchObject({
      level: 50,
      msg: 'session run failed',
      component: 'worker',
      workerId: 'a',
      sessionId: session.id,
      jobId: expect.any(String),
    });

    // The log is gap-free, every agent step's result is in it once, and the session ended once, by B.
    expect(logOfB.map((event) => event.seq)).toEqual(logOfB.map((_, index) => index + 1));
    const resultSteps = logOfB.flatMap((event) =>
      event.data.type === 'tool.result' ? [`${event.data.role ?? 'coder'}:${event.data.step}`] : [],
    );
    expect(resultSteps).toContain('coder:1');
    expect(new Set(resultSteps).size).toBe(resultSteps.length);
    const ends = logOfB.filter(
      (event) => event.data.type === 'state.changed' && event.data.to === 'delivered',
    );
    expect(ends).toHaveLength(1);
    const types = logOfB.map((event) => event.data.type);
    expect(types).not.toContain('session.error');
    expect(types).not.toContain('session.handed_off');
    expect(await queue.get(SESSION_JOB, session.id)).toMatchObject({ state: 'done', leasedBy: null });
    const { stdout } = await run('git', ['-C', h.repo, 'branch', '--list', 'drydock/*']);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });
});
