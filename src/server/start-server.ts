import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { EventBus } from '../core/ports/event-bus.ts';
import type { Queue } from '../core/ports/queue.ts';
import { createInProcessQueue } from '../queue/in-process-queue.ts';
import { createPullSweep } from '../triggers/pull-sweep.ts';
import { createScheduler } from '../triggers/scheduler.ts';
import { createApp } from './app.ts';
import { createAuditPruner } from './audit-retention.ts';
import { createInProcessEventBus } from './event-bus.ts';
import { defaultLogger, reportErrors } from './logger.ts';
import type { ServerDeps } from './server-deps.ts';
import { createSessionControl } from './session-control.ts';
import { triggerDeps } from './trigger-wiring.ts';
import { createWorker, type Worker } from './worker.ts';
import { startWorkerThread, type ThreadWorker } from './worker-thread.ts';

export interface StartOptions extends Omit<ServerDeps, 'bus' | 'control'> {
  port: number;
  host: string;
  concurrency: number;
  /**
   * Where sessions wait for workers: the Postgres queue when other processes run workers; by default
   * an in-process queue, refilled from the store's live sessions on start.
   */
  queue?: Queue;
  /** Control plane only (`drydock up --no-worker`): sessions run in `drydock worker` processes. */
  noWorker?: boolean;
  /** How often the worker asks the queue for work. */
  workerPollMs?: number;
  /** The worker's lease (visibility timeout). */
  leaseMs?: number;
  /** DRYDOCK_AUDIT_RETENTION_DAYS: audit entries older than this are pruned; absent: kept (docs/audit.md). */
  auditRetentionDays?: number | null;
  /**
   * DRYDOCK_PULL_SWEEP_MINUTES: how often the forge is asked about pull requests whose close no webhook
   * told of (docs/cost.md, Analytics); absent or null: no sweep.
   */
  pullSweepMinutes?: number | null;
  /** How often the scheduler looks for due schedules; default 15 s. */
  schedulerIntervalMs?: number;
  /**
   * The live event bus; by default one within this process. With Postgres, the LISTEN/NOTIFY bus
   * (postgres-event-bus.ts), started and closed by the caller, with `poller: idlePoller`.
   */
  bus?: EventBus;
  /**
   * Runs the worker in a worker thread of its own (`drydock up`), so session work never holds up the
   * API's event loop. The thread cannot share `sessions` (functions, connections): it builds its own
   * from `depsModule`'s `openWorkerDeps(depsInput)` (worker-thread.ts). Without it the worker runs on
   * this thread, with `sessions`.
   */
  workerThread?: { depsModule: string; depsInput: unknown };
}

export interface RunningServer {
  url: string;
  /** The worker (on this thread, or in its own with `workerThread`); null with `noWorker`. */
  worker: Worker | null;
  bus: EventBus;
  /** Stops taking requests and sessions, and waits up to `timeoutMs` for running sessions. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * `drydock up`'s process: the API (and web UI) on a port, and its worker: in a worker thread of its own
 * when given `workerThread` (as `drydock up` does), else on this thread.
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const log = options.log ?? defaultLogger();
  const bus = options.bus ?? createInProcessEventBus();
  const queue = options.queue ?? createInProcessQueue({ clock: options.sessions.clock });
  const workerOptions = {
    queue,
    bus,
    concurrency: options.concurrency,
    // The in-process queue starts empty: refill it with every live session.
    recover: options.queue ? ('queued' as const) : ('live' as const),
    ...(options.workerPollMs ? { pollMs: options.workerPollMs } : {}),
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
  };
  let thread: ThreadWorker | null = null;
  let worker: Worker | null = null;
  if (options.noWorker) {
    // Sessions run in `drydock worker` processes.
  } else if (options.workerThread) {
    // The thread logs its runs itself (the same level and destination); a thread that dies is told here.
    thread = startWorkerThread({
      ...options.workerThread,
      ...workerOptions,
      onError: reportErrors(log, 'the worker thread failed'),
    });
    worker = thread;
  } else {
    worker = createWorker({ deps: options.sessions, ...workerOptions, log });
  }
  const control = createSessionControl({ store: options.sessions.store, queue, worker });
  const app = createApp({ ...options, bus, control, log });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () =>
      resolve(started),
    );
    started.once('error', reject);
  });
  await worker?.start();
  const scheduler = options.triggers
    ? createScheduler(triggerDeps({ ...options, bus, control, log }, options.triggers), {
        ...(options.schedulerIntervalMs ? { intervalMs: options.schedulerIntervalMs } : {}),
        onError: reportErrors(log.child({ component: 'scheduler' }), 'a scheduled trigger failed'),
      })
    : null;
  scheduler?.start();
  const auditPruner = options.auditRetentionDays
    ? createAuditPruner(options.sessions.store, {
        days: options.auditRetentionDays,
        clock: options.sessions.clock,
        log: log.child({ component: 'audit' }),
      })
    : null;
  await auditPruner?.start();
  const forge = options.triggers?.forge;
  const pullSweep =
    forge && options.pullSweepMinutes
      ? createPullSweep({
          store: options.sessions.store,
          forge,
          clock: options.sessions.clock,
          intervalMs: options.pullSweepMinutes * 60_000,
          onError: reportErrors(log.child({ component: 'pull-sweep' }), 'the pull-request sweep failed'),
        })
      : null;
  // Closes missed while the server was down are looked for now, then every interval.
  pullSweep?.start();
  // Sessions that ended while the server was down still reach their forge.
  await options.triggers?.publisher?.start();
  await options.triggers?.reviewPublisher?.start();
  // So do the checks of commits pushed before it stopped.
  await options.triggers?.ciWatcher?.start();
  // And Slack threads: running sessions are followed again, endings missed are posted.
  await options.triggers?.slack?.notifier?.start();
  await options.triggers?.trackers?.notifier?.start();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    worker,
    bus,
    async close(timeoutMs = 30_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Open event streams never end on their own.
      if ('closeAllConnections' in server) server.closeAllConnections();
      await scheduler?.stop();
      auditPruner?.stop();
      await pullSweep?.stop();
      for (const mount of options.mounts ?? []) await mount.close?.();
      // Sessions still running resume from their checkpoints: on the next start (in-process queue), or
      // on another worker once their leases expire (a shared queue). No hand-off here: their runs go on
      // writing until this process exits (drydock worker fences them off first).
      await worker?.stop(timeoutMs);
      // Runs still in a step end with the thread, as they would with the process.
      await thread?.terminate();
      // A queue passed in belongs to the caller.
      if (!options.queue) await queue.close();
      options.triggers?.ciWatcher?.stop();
      await options.triggers?.ciWatcher?.idle();
      await options.triggers?.publisher?.idle();
      options.triggers?.publisher?.stop();
      await options.triggers?.reviewPublisher?.idle();
      options.triggers?.reviewPublisher?.stop();
      await options.triggers?.slack?.notifier?.idle();
      options.triggers?.slack?.notifier?.stop();
      await options.triggers?.trackers?.notifier?.idle();
      options.triggers?.trackers?.notifier?.stop();
      await closed;
    },
  };
}
