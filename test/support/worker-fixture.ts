import { afterEach, beforeEach } from 'vitest';
import { createInProcessEventBus } from '../../src/server/event-bus.ts';
import { createWorker, type Worker, type WorkerOptions } from '../../src/server/worker.ts';
import { createHarness, type Harness } from './server-harness.ts';

/**
 * A fresh server harness per test and workers on it (fast polls, queued sessions recovered), all
 * stopped after the test. Call inside a describe.
 */
export function useWorkers(): {
  harness: () => Harness;
  start: (options: Partial<WorkerOptions> & Pick<WorkerOptions, 'queue'>) => Promise<Worker>;
} {
  let h: Harness;
  const workers: Worker[] = [];
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop(5_000);
    await h.close();
  });
  return {
    harness: () => h,
    async start(options) {
      const worker = createWorker({
        deps: h.deps,
        bus: createInProcessEventBus(),
        concurrency: 1,
        pollMs: 20,
        recover: 'queued',
        ...options,
      });
      workers.push(worker);
      await worker.start();
      return worker;
    },
  };
}
