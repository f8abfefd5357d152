import { ConflictError, NotFoundError } from '../core/errors.ts';
import type { Queue } from '../core/ports/queue.ts';
import type { Store } from '../core/ports/store.ts';
import type { Session, SessionCreator } from '../core/session.ts';
import { cancelQueuedSession, decideCancel, requestCancel } from '../sessions/follow-ups.ts';
import { SESSION_JOB, type Worker } from './worker.ts';

/** What the API needs to get sessions run and stopped, wherever their workers are. */
export interface SessionControl {
  /**
   * A session was created or got a follow-up: when it is queued, enqueue its job (idempotent) and wake
   * this process's worker, if it has one.
   */
  wake(sessionId: string): Promise<void>;
  /**
   * Cancels a session: one running in this process is aborted, a queued one is cancelled at once, one
   * running elsewhere gets a `cancel.requested` event its worker acts on at its next check (all end
   * `cancelled` within a step). Throws NotFoundError, or ConflictError when it already ended. With `by`,
   * the session's log says who asked (a `cancel.requested` naming them) however it is cancelled.
   */
  cancel(sessionId: string, by?: SessionCreator): Promise<Session>;
}

/** The control of a control plane: the queue, and the local worker when the process runs one. */
export function createSessionControl(options: {
  store: Store;
  queue: Queue;
  worker: Worker | null;
}): SessionControl {
  const { store, queue, worker } = options;
  return {
    async wake(sessionId) {
      const session = await store.getSession(sessionId);
      // A child (an attempt, a manager's child) is never a job: its parent's run runs it.
      if (session?.state !== 'queued' || session.parentId !== undefined) return;
      await queue.enqueue({ kind: SESSION_JOB, key: sessionId });
      worker?.wake();
    },

    async cancel(sessionId, by) {
      const session = await store.getSession(sessionId);
      if (!session) throw new NotFoundError('session_not_found', `No session ${sessionId}.`);
      switch (decideCancel(session.state, worker?.running().includes(sessionId) ?? false)) {
        case 'abort':
          if (by) await requestCancel(store, sessionId, by);
          worker?.abort(sessionId);
          return session;
        case 'cancel_queued':
          if (by) await requestCancel(store, sessionId, by);
          return cancelQueuedSession(store, (await store.getSession(sessionId)) ?? session);
        case 'ended':
          throw new ConflictError(
            'session_ended',
            `Session ${sessionId} already ended (${session.state}); there is nothing to cancel.`,
          );
        case 'request':
          await requestCancel(store, sessionId, by);
          return session;
      }
    },
  };
}
