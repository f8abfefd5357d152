import { MessageChannel, Worker as Thread } from 'node:worker_threads';
import type { EventBus } from '../core/ports/event-bus.ts';
import type { Queue } from '../core/ports/queue.ts';
import { serveQueue } from '../queue/port-queue.ts';
import type { Worker } from './worker.ts';
import type { FromThread, ToThread, WorkerThreadData } from './worker-thread-protocol.ts';

const ENTRY = new URL('./worker-thread-main.ts', import.meta.url);

export interface WorkerThreadOptions {
  /**
   * A module (URL) exporting `openWorkerDeps(depsInput): Promise<SessionDeps>`, and its input (plain
   * data): the thread builds its own deps from them, its own store connection included.
   */
  depsModule: string;
  depsInput: unknown;
  /** The queue the thread leases from; it stays in this thread (and with its owner). */
  queue: Queue;
  /** Where the thread's recorded events are published. */
  bus: EventBus;
  concurrency: number;
  recover: 'live' | 'queued';
  pollMs?: number;
  leaseMs?: number;
  workerId?: string;
  onError?: (error: unknown, sessionId?: string) => void;
  /** A thread that died unexpectedly is started again after this long; default 1 s. */
  restartMs?: number;
}

/** A Worker running in a worker thread; terminate() ends the thread (after stop(), normally). */
export interface ThreadWorker extends Worker {
  terminate(): Promise<void>;
}

/**
 * The server's worker in a worker thread of its own, so that session work (the runs' store writes,
 * git and command spawns, redaction, diffing) never holds up the event loop that serves the API and
 * writes the event streams. The thread leases from `queue` over a port and posts every event it
 * records, which is published on `bus` here. SQLite in WAL mode takes the second connection. A thread
 * that dies unexpectedly is restarted: the new one resumes the dead one's sessions once their leases
 * expire, as another worker process would.
 */
export function startWorkerThread(options: WorkerThreadOptions): ThreadWorker {
  const report = (error: unknown, sessionId?: string) => options.onError?.(error, sessionId);
  let thread: Thread | null = null;
  let running: string[] = [];
  let ending = false;
  let restartTimer: NodeJS.Timeout | undefined;
  /** Replies awaited by stop() and handOff(), in order. */
  const waiting = new Set<(message: FromThread) => void>();

  const send = (message: ToThread) => thread?.postMessage(message);

  function onMessage(message: FromThread): void {
    switch (message.type) {
      case 'event':
        options.bus.publish(message.event);
        return;
      case 'running':
        running = message.sessionIds;
        return;
      case 'error':
        report(message.error, message.sessionId);
        return;
      default:
        for (const listener of [...waiting]) listener(message);
    }
  }

  function awaitReply<T extends FromThread['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<FromThread, { type: T }> | null> {
    return new Promise((resolve) => {
      const done = (message: Extract<FromThread, { type: T }> | null) => {
        clearTimeout(timer);
        waiting.delete(listener);
        resolve(message);
      };
      const listener = (message: FromThread) => {
        if (message.type === type) done(message as Extract<FromThread, { type: T }>);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      waiting.add(listener);
    });
  }

  /** After `failures` failed starts in a row: 1 s, doubling, at most a minute. */
  function restartLater(failures: number): void {
    const delayMs = Math.min((options.restartMs ?? 1000) * 2 ** failures, 60_000);
    restartTimer = setTimeout(() => {
      launch().catch((error: unknown) => {
        report(error);
        if (!ending) restartLater(failures + 1);
      });
    }, delayMs);
    restartTimer.unref();
  }

  /** Starts the thread; resolves once its worker started, rejects (the thread ended) if it could not. */
  async function launch(): Promise<void> {
    const channel = new MessageChannel();
    const queueServer = serveQueue(options.queue, channel.port1);
    const data: WorkerThreadData = {
      depsModule: options.depsModule,
      depsInput: options.depsInput,
      queuePort: channel.port2,
      concurrency: options.concurrency,
      recover: options.recover,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
      ...(options.workerId !== undefined ? { workerId: options.workerId } : {}),
    };
    const started = new Thread(ENTRY, { workerData: data, transferList: [channel.port2] });
    thread = started;
    let up = false;
    const ready = new Promise<FromThread>((resolve) => {
      const listener = (message: FromThread) => {
        if (message.type !== 'started' && message.type !== 'start-failed') return;
        waiting.delete(listener);
        resolve(message);
      };
      waiting.add(listener);
      started.once('exit', () => {
        waiting.delete(listener);
        resolve({ type: 'start-failed', error: new Error('The worker thread exited while starting.') });
      });
    });
    started.on('message', onMessage);
    started.on('error', (error) => report(error));
    started.once('exit', (code) => {
      if (thread === started) thread = null;
      running = [];
      queueServer.close();
      // A thread that never started is launch()'s to report.
      if (ending || !up) return;
      report(new Error(`The worker thread exited (code ${code}); starting a new one.`));
      restartLater(0);
    });
    const reply = await ready;
    if (reply.type === 'start-failed') {
      await started.terminate();
      throw reply.error;
    }
    up = true;
  }

  return {
    start: launch,

    wake: () => send({ type: 'wake' }),

    abort(sessionId) {
      if (!running.includes(sessionId)) return false;
      send({ type: 'abort', sessionId });
      return true;
    },

    running: () => [...running],

    async stop(timeoutMs) {
      clearTimeout(restartTimer);
      if (!thread) return [];
      const reply = awaitReply('stopped', timeoutMs + 10_000);
      send({ type: 'stop', timeoutMs });
      return (await reply)?.unfinished ?? [...running];
    },

    async handOff(handOffOptions = {}) {
      if (!thread) return;
      const reply = awaitReply('handed-off', (handOffOptions.abandonMs ?? 0) + 10_000);
      send({
        type: 'hand-off',
        ...(handOffOptions.abandonMs !== undefined ? { abandonMs: handOffOptions.abandonMs } : {}),
      });
      await reply;
    },

    async terminate() {
      ending = true;
      clearTimeout(restartTimer);
      await thread?.terminate();
    },
  };
}
