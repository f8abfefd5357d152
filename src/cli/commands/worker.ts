import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { styleText } from 'node:util';
import { createInProcessEventBus } from '../../server/event-bus.ts';
import { createLogger } from '../../server/logger.ts';
import { createWorker } from '../../server/worker.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import { openSharedQueue, requireSharedQueue } from '../open-queue.ts';
import { sweepAtStartup } from '../startup-sweep.ts';

export interface WorkerCommandOptions {
  concurrency: number;
  /** The lease (visibility timeout) in ms: how long a session of a dead worker waits for another. */
  leaseMs?: number;
  /** How often an idle worker asks the queue for work. */
  pollMs?: number;
  /**
   * How long SIGTERM waits for running sessions to reach the end of their current step; those still
   * in one then are handed back as they are (the step runs again elsewhere).
   */
  drainMs: number;
}

/**
 * `drydock worker`: leases session jobs from the Postgres queue and runs them until SIGINT or SIGTERM,
 * which drains it: no new leases; running sessions stop after their current step (a hand-off, not a
 * cancel) and go back to the queue, where another worker resumes them from that step at once. Sessions
 * still inside a step after `drainMs` are handed back as they are, and the process exits.
 */
export async function runWorker(
  deps: SessionDeps,
  options: WorkerCommandOptions,
  env: NodeJS.ProcessEnv,
  out: NodeJS.WriteStream,
): Promise<void> {
  const log = createLogger({ env });
  const queue = requireSharedQueue(openSharedQueue(env, deps.home, deps.clock), 'drydock worker');
  try {
    const warning = deps.sandboxes.capabilities.warning;
    if (warning) process.stderr.write(`${styleText(['bold', 'yellow'], `WARNING: ${warning}`)}\n`);
    await deps.sandboxes.check();
    await sweepAtStartup(deps);
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
      log,
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
    const running = worker.running();
    out.write(
      `stopping: no new sessions; ${running.length} running stop after their current step (at most ${options.drainMs / 1000} s)\n`,
    );
    const unfinished = await worker.stop(options.drainMs);
    // Idle pooled sandboxes: destroyed, their overlays and disk images released (exit would leave them).
    await deps.layers?.pool?.drain();
    const stopped = running.filter((id) => !unfinished.includes(id));
    if (stopped.length > 0) out.write(`stopped between steps (ended or handed off): ${stopped.join(', ')}\n`);
    if (unfinished.length === 0) return;
    // Their runs still go on in this process: fence their writes off (close the store) before another
    // worker may take the sessions, then exit, which ends the runs and their commands.
    await deps.store.close();
    // Their commands are stopped and their workspaces released first (nothing left mounted), then
    // their leases go back to the queue.
    await worker.handOff({ abandonMs: 10_000 });
    out.write(`handed back to the queue: ${unfinished.join(', ')}\n`);
    process.exit(0);
  } finally {
    await queue.close();
  }
}
