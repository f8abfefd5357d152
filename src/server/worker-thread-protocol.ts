import type { MessagePort } from 'node:worker_threads';
import type { SessionEvent } from '../core/events.ts';

/**
 * What a worker thread is started with. `depsModule` is a module URL exporting
 * `openWorkerDeps(depsInput): Promise<SessionDeps>`: the thread builds its own session deps (its own
 * store connection, sandbox provider, models), since functions and connections cannot cross threads.
 */
export interface WorkerThreadData {
  depsModule: string;
  depsInput: unknown;
  /** The queue, served by the parent thread (port-queue.ts). */
  queuePort: MessagePort;
  concurrency: number;
  recover: 'live' | 'queued';
  pollMs?: number;
  leaseMs?: number;
  workerId?: string;
}

/** Parent → thread. */
export type ToThread =
  | { type: 'wake' }
  | { type: 'abort'; sessionId: string }
  | { type: 'stop'; timeoutMs: number }
  | { type: 'hand-off'; abandonMs?: number };

/** Thread → parent. */
export type FromThread =
  | { type: 'started' }
  | { type: 'start-failed'; error: unknown }
  | { type: 'event'; event: SessionEvent }
  | { type: 'running'; sessionIds: string[] }
  | { type: 'error'; error: unknown; sessionId?: string }
  | { type: 'stopped'; unfinished: string[] }
  | { type: 'handed-off' };
