// The entry of a worker thread (worker-thread.ts starts it): a createWorker of its own, on session deps
// it builds itself, leasing from the parent's queue over a port and posting every recorded event to
// the parent, which publishes it on the server's bus.
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../core/errors.ts';
import type { EventBus } from '../core/ports/event-bus.ts';
import { createPortQueue } from '../queue/port-queue.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import { defaultLogger } from './logger.ts';
import { createWorker } from './worker.ts';
import type { FromThread, ToThread, WorkerThreadData } from './worker-thread-protocol.ts';

const port = parentPort;
if (!port) throw new Error('worker-thread-main.ts runs as a worker thread (see worker-thread.ts).');
const data = workerData as WorkerThreadData;

const post = (message: FromThread) => port.postMessage(message);
/** Errors cross as themselves where they can be cloned, else as their description. */
const postError = (message: Extract<FromThread, { error: unknown }>) => {
  try {
    post(message);
  } catch {
    post({ ...message, error: new Error(describeError(message.error)) });
  }
};

async function openDeps(): Promise<SessionDeps> {
  const loaded = (await import(data.depsModule)) as { openWorkerDeps?: unknown };
  if (typeof loaded.openWorkerDeps !== 'function') {
    throw new Error(`${data.depsModule} exports no openWorkerDeps(input) function.`);
  }
  return (await loaded.openWorkerDeps(data.depsInput)) as SessionDeps;
}

// Only publish is used by the worker; the parent's bus has the followers.
const bus: EventBus = {
  publish: (event) => post({ type: 'event', event }),
  subscribe: () => () => {},
  listenerCount: () => 0,
};

try {
  const deps = await openDeps();
  const worker = createWorker({
    deps,
    queue: createPortQueue(data.queuePort),
    bus,
    concurrency: data.concurrency,
    recover: data.recover,
    ...(data.pollMs !== undefined ? { pollMs: data.pollMs } : {}),
    ...(data.leaseMs !== undefined ? { leaseMs: data.leaseMs } : {}),
    ...(data.workerId !== undefined ? { workerId: data.workerId } : {}),
    // The thread's own logger: the same level (DRYDOCK_LOG_LEVEL) and destination as the server's.
    log: defaultLogger(),
    onRunning: (sessionIds) => post({ type: 'running', sessionIds }),
  });
  port.on('message', (message: ToThread) => {
    switch (message.type) {
      case 'wake':
        worker.wake();
        return;
      case 'abort':
        worker.abort(message.sessionId);
        return;
      case 'stop':
        void (async () => {
          const unfinished = await worker.stop(message.timeoutMs);
          // Idle pooled sandboxes hold mounts and disk images: none may outlive the thread.
          await deps.layers?.pool?.drain().catch((error: unknown) => postError({ type: 'error', error }));
          post({ type: 'stopped', unfinished });
        })();
        return;
      case 'hand-off':
        void worker
          .handOff(message.abandonMs !== undefined ? { abandonMs: message.abandonMs } : {})
          .finally(() => post({ type: 'handed-off' }));
        return;
    }
  });
  await worker.start();
  post({ type: 'started' });
} catch (error) {
  postError({ type: 'start-failed', error });
}
