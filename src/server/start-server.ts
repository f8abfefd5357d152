import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { EventBus } from '../core/ports/event-bus.ts';
import { createScheduler } from '../triggers/scheduler.ts';
import { createApp } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';
import type { ServerDeps } from './server-deps.ts';
import { triggerDeps } from './trigger-wiring.ts';
import { createWorker, type Worker } from './worker.ts';

export interface StartOptions extends Omit<ServerDeps, 'bus' | 'control'> {
  port: number;
  host: string;
  concurrency: number;
  /** How often the worker looks for queued sessions. */
  workerPollMs?: number;
  /** How often the scheduler looks for due schedules; default 15 s. */
  schedulerIntervalMs?: number;
}

export interface RunningServer {
  url: string;
  worker: Worker;
  bus: EventBus;
  /** Stops taking requests and sessions, and waits up to `timeoutMs` for running sessions. */
  close(timeoutMs?: number): Promise<void>;
}

/** `drydock up`'s process: the API (and web UI) on a port, and the in-process worker. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const bus = createInProcessEventBus();
  const worker = createWorker({
    deps: options.sessions,
    bus,
    concurrency: options.concurrency,
    ...(options.workerPollMs ? { pollMs: options.workerPollMs } : {}),
    onError: (error, sessionId) =>
      console.error(`drydock worker${sessionId ? ` (${sessionId})` : ''}:`, error),
  });
  const app = createApp({ ...options, bus, control: worker });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () =>
      resolve(started),
    );
    started.once('error', reject);
  });
  await worker.start();
  const scheduler = options.triggers
    ? createScheduler(triggerDeps({ ...options, bus, control: worker }, options.triggers), {
        ...(options.schedulerIntervalMs ? { intervalMs: options.schedulerIntervalMs } : {}),
        onError: (error) => console.error('drydock scheduler:', error),
      })
    : null;
  scheduler?.start();
  // Sessions that ended while the server was down still reach their forge.
  await options.triggers?.publisher?.start();
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
      await worker.stop(timeoutMs);
      await options.triggers?.publisher?.idle();
      options.triggers?.publisher?.stop();
      await closed;
    },
  };
}
