import { describeError, isForgeError } from '../core/errors.ts';
import { createFailedSession } from '../sessions/failed-session.ts';
import { mayTrigger } from './github-events.ts';
import { sessionUrl, type TriggerDeps } from './trigger-deps.ts';

/** Whether `user` may ask; when drydock cannot even read the permission, yes, so the session fails visibly. */
export async function permittedOrUnknown(deps: TriggerDeps, repo: string, user: string): Promise<boolean> {
  try {
    return await allowed(deps, repo, user);
  } catch (error) {
    if (!isForgeError(error, 'forge_no_access')) throw error;
    return true;
  }
}

export async function allowed(deps: TriggerDeps, repo: string, user: string): Promise<boolean> {
  return mayTrigger(await deps.forge!.permission(repo, user));
}

/**
 * Whether `user` may start work on `repo` from `issue`: `true`, `false` (refuse), or, when drydock cannot read
 * the permission at all, a failed session saying why (and a comment on the issue), with nothing run. Failing
 * open there would let anyone who can comment start work wherever the token can clone but not read
 * permissions (Bitbucket shows them only to admin tokens; a GitHub App's installation may not cover the
 * repository). The failed session's id and reason are the delivery's outcome.
 */
export async function permittedToStart(
  deps: TriggerDeps,
  request: { repo: string; issue: number; task: string; user: string },
): Promise<boolean | { failed: { id: string; reason: string } }> {
  try {
    return await allowed(deps, request.repo, request.user);
  } catch (error) {
    if (!isForgeError(error, 'forge_no_access')) throw error;
    const session = await createFailedSession(deps.sessions, {
      task: request.task,
      repo: request.repo,
      model: deps.defaultModel,
      code: error.code,
      reason: describeError(error),
    });
    const reason = session.reason ?? describeError(error);
    const body = `drydock could not start: ${reason} (${sessionUrl(deps, session.id)})`;
    await deps.forge?.comment(request.repo, request.issue, body, 'issue').catch(() => {});
    return { failed: { id: session.id, reason } };
  }
}
