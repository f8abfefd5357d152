import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError } from '../core/errors.ts';
import type { Queue } from '../core/ports/queue.ts';
import type { Store } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import { isTerminal } from '../core/session-state.ts';
import { SESSION_JOB } from '../server/worker.ts';
import { cancelQueuedSession, requestCancel } from '../sessions/follow-ups.ts';

/**
 * Runs an eval's sessions on the shared queue's workers (`drydock worker`, `drydock up` on Postgres)
 * instead of in this process: enqueues the session and waits for it to end. On `handOff` it stops
 * waiting and leaves the session to the workers (a resume waits again); on `signal` it cancels it.
 */
export function executeOnWorkers(options: {
  store: Store;
  queue: Queue;
  signal: AbortSignal;
  handOff: AbortSignal;
  pollMs?: number;
}): (sessionId: string) => Promise<Session> {
  const { store, queue, signal, handOff } = options;
  return async (sessionId) => {
    await queue.enqueue({ kind: SESSION_JOB, key: sessionId });
    let cancelling = false;
    for (;;) {
      const session = await store.getSession(sessionId);
      if (session === null) throw new NotFoundError('session_not_found', `No session ${sessionId}.`);
      if (isTerminal(session.state) || handOff.aborted) return session;
      if (signal.aborted && !cancelling) {
        cancelling = true;
        if (session.state === 'queued') await cancelQueuedSession(store, session);
        else await requestCancel(store, sessionId);
      }
      await sleep(options.pollMs ?? 500);
    }
  };
}
