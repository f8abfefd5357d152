import type { Session } from '../core/session.ts';
import { newSessionRecord } from './create-session.ts';
import type { SessionDeps } from './session-deps.ts';
import { failSession } from './session-failure.ts';
import { SessionRecorder } from './session-recorder.ts';

/**
 * Records a session that failed before it could start (drydock cannot read the repository), so a request
 * that asked for work always leaves a visible session with the reason, never nothing.
 */
export async function createFailedSession(
  deps: Pick<SessionDeps, 'store' | 'clock' | 'ids'>,
  request: { task: string; repo: string; model: string; code: string; reason: string },
): Promise<Session> {
  const session = newSessionRecord(deps, {
    task: request.task.trim() || '(no task)',
    repo: request.repo,
    ref: 'HEAD',
    baseCommit: null,
    model: request.model,
  });
  await deps.store.createSession(session);
  return failSession(new SessionRecorder(deps.store, session, {}), request);
}
