import { join } from 'node:path';
import { describeError, isDrydockError } from '../core/errors.ts';
import type { Requester, Session } from '../core/session.ts';
import { createSession } from '../sessions/create-session.ts';
import { createFailedSession } from '../sessions/failed-session.ts';
import { type ForgeLinkData, forgeKey, originKey, toJsonValue } from './forge-link.ts';
import { sessionUrl, type TriggerDeps } from './trigger-deps.ts';

export interface WorkRequest {
  /** A forge repository (`owner/name`) or a local path. */
  repo: string;
  task: string;
  /** Who asked (a GitHub login, a Slack user, `schedule:<name>`). */
  requester: string;
  /** The issue the request came from, answered with a link (forge repositories only). */
  issue?: number;
  model?: string;
  /** The person to credit as the co-author of the session's commits, when known. */
  requestedBy?: Requester;
}

/** `owner/name` (not a path): the repository lives on the forge. Pure. */
export function isForgeRepo(repo: string): boolean {
  return /^[\w.-]+\/[\w.-]+$/.test(repo) && !repo.startsWith('.') && !repo.startsWith('/');
}

/**
 * Starts a session for a trigger. A forge repository is cloned (or fetched) by the control plane into
 * `<home>/repos/<owner>/<name>` with its own credentials, and the session runs against that clone; its
 * delivery is published to the forge later (publish-delivery.ts). When drydock cannot read the
 * repository the session still exists, failed with the reason, and the issue hears about it if it can.
 * Other input errors (an empty task) throw.
 */
export async function startWork(deps: TriggerDeps, request: WorkRequest): Promise<Session> {
  const model = request.model ?? deps.defaultModel;
  if (!isForgeRepo(request.repo) || !deps.forge) {
    const session = await createSession(deps.sessions, {
      repo: request.repo,
      task: request.task,
      model,
      ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    });
    deps.wake(session.id);
    return session;
  }
  const forge = deps.forge;
  const [owner, name] = request.repo.split('/') as [string, string];
  const clone = join(deps.sessions.home, 'repos', owner, name);
  let session: Session;
  let base = 'HEAD';
  try {
    base = (await forge.sync(request.repo, clone)).defaultBranch;
    session = await createSession(deps.sessions, {
      repo: clone,
      ref: base,
      task: request.task,
      model,
      ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    });
  } catch (error) {
    if (!isDrydockError(error) || error.code !== 'forge_no_access') throw error;
    session = await createFailedSession(deps.sessions, {
      task: request.task,
      repo: request.repo,
      model,
      code: error.code,
      reason: describeError(error),
    });
  }
  const link: ForgeLinkData = {
    origin: true,
    repo: request.repo,
    base,
    issue: request.issue ?? null,
    requester: request.requester,
  };
  await deps.sessions.store.linkSession(originKey(request.repo, session.id), session.id, toJsonValue(link));
  if (request.issue !== undefined) {
    await deps.sessions.store
      .linkSession(forgeKey(request.repo, request.issue), session.id, { issue: request.issue })
      .catch(() => {}); // an earlier session already answers this issue: both are linked by origin
    const body =
      session.state === 'failed'
        ? `drydock could not start: ${session.reason} (${sessionUrl(deps, session.id)})`
        : `drydock is on it: ${sessionUrl(deps, session.id)}`;
    // Replying is best effort: without access the reply fails too, and the session says why.
    await forge.comment(request.repo, request.issue, body).catch(() => {});
  }
  if (session.state !== 'failed') {
    deps.watch(session.id);
    deps.wake(session.id);
  }
  return session;
}
