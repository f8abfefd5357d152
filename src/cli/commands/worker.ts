import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { styleText } from 'node:util';
import { createInProcessEventBus } from '../../server/event-bus.ts';
import { createWorker } from '../../server/worker.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import { openSharedQueue, requireSharedQueue } from '../open-queue.ts';

export interface WorkerCommandOptions {
  concurrency: number;
  /** The lease (visibility timeout) in ms: how long a session of a dead worker waits for another. */
  leaseMs?: number;
  /** How often an idle worker asks the queue for work. */
  pollMs?: number;
  /** How long SIGTERM waits for running sessions before handing them back to the queue. */
  drainMs: number;
}

/**
 * `drydock worker`: leases session jobs from the Postgres queue and runs them until SIGINT or SIGTERM,
 * which drains it: no new leases; running sessions get `drainMs` to end, then their leases are released
 * and the process exits, so another worker resumes them from their checkpoints.
 */
export async function runWorker(
  deps: SessionDeps,
  options: WorkerCommandOptions,
  env: NodeJS.ProcessEnv,
  out: NodeJS.WriteStream,
): Promise<void> {
  const queue = requireSharedQueue(openSharedQueue(env, deps.home, deps.clock), 'drydock worker');
  try {
    const warning = deps.sandboxes.capabilities.warning;
    if (warning) process.stderr.write(`${styleText(['bold', 'yellow'], `WARNING: ${warning}`)}\n`);
    await deps.sandboxes.check();
    const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const worker = createWorker({
      deps,
      queue,
      bus: createInProcessEventBus(),
      concurrency: options.concurrency,
      recover: 'queued',
      workerId,
      ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      onError: (error, sessionId) =>
        console.error(`drydock worker${sessionId ? ` (${sessionId})` : ''}:`, error),
    });
    await worker.start();
    out.write(`drydock worker ${workerId}: running up to ${options.concurrency} sessions\n`);
    await new Promise<void>((resolveStop) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolveStop();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    out.write(
      `stopping: no new sessions; ${worker.running().length} running get ${options.drainMs / 1000} s\n`,
    );
    const unfinished = await worker.stop(options.drainMs);
    if (unfinished.length === 0) return;
    // Their runs still go on in this process: fence their writes off (close the store) before another
    // worker may take the sessions, then exit, which ends the runs and their commands.
    await deps.store.close();
    await worker.handOff();
    out.write(`handed back to the queue: ${unfinished.join(', ')}\n`);
    process.exit(0);
  } finally {
    await queue.close();
  }
}
