import type { MessagePort } from 'node:worker_threads';
import type { Lease, Queue } from '../core/ports/queue.ts';

/** The Queue methods that go over the port as plain calls (watch and close are handled apart). */
const CALLS = ['enqueue', 'lease', 'heartbeat', 'ack', 'release', 'fail', 'get'] as const;
type Call = (typeof CALLS)[number];

type Request =
  | { type: 'call'; id: number; method: Call; args: unknown[] }
  | { type: 'watch'; id: number }
  | { type: 'unwatch'; id: number; watchId: number };

/** A request before send() numbers it. */
type Unsent = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

type Reply =
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string; code?: string }
  | { type: 'notice'; watchId: number };

export interface QueueServer {
  /** Stops answering and closes the port; the queue itself stays open (its owner closes it). */
  close(): void;
}

/**
 * Answers a `createPortQueue` on the other end of `port` with `queue`: the queue stays in this thread
 * (the in-process queue, or the Postgres queue's connections), and a worker in another thread leases
 * from it.
 */
export function serveQueue(queue: Queue, port: MessagePort): QueueServer {
  const watches = new Map<number, Promise<() => Promise<void>>>();
  let nextWatch = 0;
  const reply = (message: Reply) => port.postMessage(message);

  function call(method: Call, args: unknown[]): Promise<unknown> {
    const lease = args[0] as Lease;
    switch (method) {
      case 'enqueue':
        return queue.enqueue(args[0] as Parameters<Queue['enqueue']>[0]);
      case 'lease':
        return queue.lease(args[0] as Parameters<Queue['lease']>[0]);
      case 'heartbeat':
        return queue.heartbeat(lease, args[1] as number);
      case 'ack':
        return queue.ack(lease);
      case 'release':
        return queue.release(lease);
      case 'fail':
        return queue.fail(lease, args[1] as Parameters<Queue['fail']>[1]);
      case 'get':
        return queue.get(args[0] as string, args[1] as string);
    }
  }

  async function answer(request: Request): Promise<unknown> {
    switch (request.type) {
      case 'call':
        return call(request.method, request.args);
      case 'watch': {
        const watchId = nextWatch++;
        const stop = queue.watch(() => reply({ type: 'notice', watchId }));
        watches.set(watchId, stop);
        await stop;
        return watchId;
      }
      case 'unwatch': {
        const stop = watches.get(request.watchId);
        watches.delete(request.watchId);
        await (await stop)?.();
        return null;
      }
    }
  }

  const onMessage = (request: Request) => {
    answer(request).then(
      (value) => reply({ type: 'result', id: request.id, value }),
      (error: unknown) => {
        const code = (error as { code?: unknown } | null)?.code;
        reply({
          type: 'error',
          id: request.id,
          message: error instanceof Error ? error.message : String(error),
          ...(typeof code === 'string' ? { code } : {}),
        });
      },
    );
  };
  port.on('message', onMessage);

  return {
    close() {
      port.off('message', onMessage);
      for (const stop of watches.values()) void stop.then((fn) => fn()).catch(() => {});
      watches.clear();
      port.close();
    },
  };
}

/** A queue call answered with an error on the serving side. */
export class PortQueueError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'PortQueueError';
    this.code = code;
  }
}

/**
 * A Queue whose every call is answered by a `serveQueue` on the other end of `port`: how a worker in
 * a worker thread uses the queue its parent thread owns. Passes the queue contract suite. close()
 * stops its watches and closes the port; the served queue stays open.
 */
export function createPortQueue(port: MessagePort): Queue {
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const listeners = new Map<number, () => void>();
  let nextId = 0;
  let closed = false;

  port.on('message', (message: Reply) => {
    if (message.type === 'notice') {
      listeners.get(message.watchId)?.();
      return;
    }
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.type === 'result') waiting.resolve(message.value);
    else waiting.reject(new PortQueueError(message.message, message.code));
  });

  function send(request: Unsent): Promise<unknown> {
    if (closed) return Promise.reject(new Error('The queue was closed.'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      port.postMessage({ ...request, id });
    });
  }
  const call = (method: Call, ...args: unknown[]) => send({ type: 'call', method, args });

  return {
    enqueue: (request) => call('enqueue', request) as ReturnType<Queue['enqueue']>,
    lease: (request) => call('lease', request) as ReturnType<Queue['lease']>,
    heartbeat: (lease, visibilityMs) => call('heartbeat', lease, visibilityMs) as Promise<boolean>,
    ack: (lease) => call('ack', lease) as Promise<boolean>,
    release: (lease) => call('release', lease) as Promise<boolean>,
    fail: (lease, failure) => call('fail', lease, failure) as Promise<boolean>,
    get: (kind, key) => call('get', kind, key) as ReturnType<Queue['get']>,
    async watch(listener) {
      const watchId = (await send({ type: 'watch' })) as number;
      listeners.set(watchId, listener);
      return async () => {
        if (!listeners.delete(watchId) || closed) return;
        await send({ type: 'unwatch', watchId });
      };
    },
    async close() {
      if (closed) return;
      for (const watchId of [...listeners.keys()]) {
        listeners.delete(watchId);
        await send({ type: 'unwatch', watchId }).catch(() => {});
      }
      closed = true;
      for (const waiting of pending.values()) waiting.reject(new Error('The queue was closed.'));
      pending.clear();
      port.close();
    },
  };
}
