import type { Store } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import { isTerminal } from '../core/session-state.ts';
import type { RunObserver } from './session-deps.ts';
import { SessionRecorder } from './session-recorder.ts';

/**
 * The one way a session fails: moved to `failed` with the reason on the session and a `session.error`
 * event naming the code, so every failure reads the same in the log, the CLI and the UI. A session
 * that already ended is left as it is. Returns the session as it is now.
 */
export async function failSession(
  recorder: SessionRecorder,
  failure: { code: string; reason: string },
): Promise<Session> {
  if (isTerminal(recorder.session.state)) return recorder.session;
  await recorder.transition('failed', {
    reason: failure.reason,
    patch: { reason: failure.reason },
    events: [{ type: 'session.error', code: failure.code, message: failure.reason }],
  });
  return recorder.session;
}

/** Fails a live session no run holds (its job is dead: no worker will run it again). */
export async function failStrandedSession(
  store: Store,
  sessionId: string,
  failure: { code: string; reason: string },
  observer: RunObserver = {},
): Promise<Session | null> {
  const session = await store.getSession(sessionId);
  if (!session) return null;
  return failSession(new SessionRecorder(store, session, observer), failure);
}
