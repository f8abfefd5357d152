import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import { DEMO_TASK } from '../cli/demo/demo-script.ts';
import { createSession } from '../sessions/create-session.ts';
import { createInProcessEventBus } from './event-bus.ts';
import { createWorker } from './worker.ts';

describe('worker', { timeout: 60_000 }, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const waitFor = async (check: () => Promise<boolean>, timeoutMs = 45_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

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
    const worker = createWorker({ deps: h.deps, bus, concurrency: 1, pollMs: 20 });
    const off = bus.subscribe(crashed.id, (event) => published.push(event.data.type));
    let maxRunning = 0;
    const sampler = setInterval(() => {
      maxRunning = Math.max(maxRunning, worker.running().length);
    }, 5);
    await worker.start();
    expect(worker.running()).toEqual([crashed.id]);
    await waitFor(async () => (await h.store.getSession(queued.id))?.state === 'delivered');
    clearInterval(sampler);
    off();
    expect((await h.store.getSession(crashed.id))?.state).toBe('delivered');
    expect(published).toContain('delivery.branch');
    expect(maxRunning).toBe(1);
    await worker.stop(1000);
  });
});
