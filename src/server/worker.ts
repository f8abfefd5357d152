import { ConflictError, NotFoundError } from '../core/errors.ts';
import type { EventBus } from '../core/ports/event-bus.ts';
import type { Session } from '../core/session.ts';
import type { SessionState } from '../core/session-state.ts';
import { cancelQueuedSession, decideCancel } from '../sessions/follow-ups.ts';
import { runSession } from '../sessions/run-session.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';

export interface WorkerOptions {
  deps: SessionDeps;
  bus: EventBus;
  /** Sessions run at once. */
  concurrency: number;
  /** How often to look for queued sessions when nobody calls wake(). */
  pollMs?: number;
  /** Told about failures the worker cannot record on a session (the store is unreachable). */
  onError?: (error: unknown, sessionId?: string) => void;
}

/** What the API needs from the worker. */
export interface SessionControl {
  /** A session was queued: look for work now rather than at the next poll. */
  wake(): void;
  /**
   * Cancels a session: a running one is aborted (it ends `cancelled` at its next step), a queued one
   * is cancelled at once. Throws NotFoundError, or ConflictError when it already ended.
   */
  cancel(sessionId: string): Promise<Session>;
}

export interface Worker extends SessionControl {
  /** Resumes sessions a previous process left in a live state, then picks queued ones. */
  start(): Promise<void>;
  /** Ids of the sessions running now. */
  running(): string[];
  /**
   * Stops picking and waits up to `timeoutMs` for running sessions to end, aborting none: a session
   * still running then is resumed from its checkpoint by the next start.
   */
  stop(timeoutMs: number): Promise<void>;
}

/** States a session is left in when its process dies mid-run; a new worker resumes them. */
export const RESUMABLE_STATES: readonly SessionState[] = [
  'provisioning',
  'setup',
  'working',
  'verifying',
  'reviewing',
  'delivering',
];

/**
 * The in-process worker of `drydock up`: polls the store for queued sessions (oldest first) and runs
 * up to `concurrency` of them with runSession, publishing their events to the bus. It assumes it is
 * the only worker on the store; issue 8 replaces the polling with a Postgres queue with leases.
 */
export function createWorker(options: WorkerOptions): Worker {
  const { deps, bus, concurrency } = options;
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  const resumable: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let ticking = false;
  let again = false;

  const report = (error: unknown, sessionId?: string) => options.onError?.(error, sessionId);

  function launch(sessionId: string): void {
    const controller = new AbortController();
    const done = runSession(deps, sessionId, {
      signal: controller.signal,
      onEvent: (event) => bus.publish(event),
    })
      .then(
        () => {},
        (error: unknown) => report(error, sessionId),
      )
      .finally(() => {
        running.delete(sessionId);
        // A finished run frees a slot, and may itself have been queued again by a follow-up.
        tick();
      });
    running.set(sessionId, { controller, done });
  }

  async function pick(): Promise<void> {
    const free = concurrency - running.size;
    if (stopped || free <= 0) return;
    const ids = resumable.splice(0, free).filter((id) => !running.has(id));
    if (ids.length < free) {
      // A session this worker just launched may still read as queued: ask for enough to skip them.
      const queued = await deps.store.listSessions({
        state: 'queued',
        order: 'oldest',
        limit: free + running.size,
      });
      for (const session of queued) {
        if (ids.length >= free) break;
        if (!running.has(session.id) && !ids.includes(session.id)) ids.push(session.id);
      }
    }
    if (stopped) return;
    for (const id of ids) launch(id);
  }

  function tick(): void {
    if (stopped) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    void (async () => {
      try {
        do {
          again = false;
          await pick();
        } while (again && !stopped);
      } catch (error) {
        report(error);
      } finally {
        ticking = false;
      }
    })();
  }

  return {
    async start() {
      for (const state of RESUMABLE_STATES) {
        const sessions = await deps.store.listSessions({ state, order: 'oldest', limit: 1000 });
        resumable.push(...sessions.map((session) => session.id));
      }
      timer = setInterval(tick, options.pollMs ?? 1000);
      timer.unref();
      tick();
    },

    wake: tick,

    async cancel(sessionId) {
      const session = await deps.store.getSession(sessionId);
      if (!session) throw new NotFoundError('session_not_found', `No session ${sessionId}.`);
      const run = running.get(sessionId);
      switch (decideCancel(session.state, run !== undefined)) {
        case 'abort':
          run?.controller.abort();
          return session;
        case 'cancel_queued': {
          const index = resumable.indexOf(sessionId);
          if (index >= 0) resumable.splice(index, 1);
          return cancelQueuedSession(deps.store, session);
        }
        case 'ended':
          throw new ConflictError(
            'session_ended',
            `Session ${sessionId} already ended (${session.state}); there is nothing to cancel.`,
          );
        case 'elsewhere':
          throw new ConflictError(
            'session_not_local',
            `Session ${sessionId} is ${session.state} but runs in another process; cancel it there.`,
          );
      }
    },

    running: () => [...running.keys()],

    async stop(timeoutMs) {
      stopped = true;
      if (timer) clearInterval(timer);
      const all = Promise.all([...running.values()].map((run) => run.done));
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        all,
        new Promise<void>((resolve) => {
          timeout = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timeout);
    },
  };
}
