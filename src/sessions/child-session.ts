import type { Session } from '../core/session.ts';
import { newSessionRecord } from './create-session.ts';
import type { SessionDeps } from './session-deps.ts';
import { refuseOverSpend, spendRepo } from './spend-limits.ts';

/**
 * Creates a child of `parent` (an attempt, or a manager's child) in state `queued`: the parent's
 * repository, ref and base commit, its requester, creator and allowed hosts, with its own task and
 * model. Its friend is the parent's unless `friendModel` is given (null: none). It is never enqueued:
 * the parent's run runs it (child-runs.ts).
 */
export async function createChildSession(
  deps: Pick<SessionDeps, 'store' | 'clock' | 'ids' | 'home' | 'spendLimits'>,
  parent: Session,
  child: { kind: 'attempt' | 'child'; task: string; model: string; friendModel?: string | null },
): Promise<Session> {
  // A child under a spent limit would be refused its first model call: refuse it here, before it exists.
  await refuseOverSpend(
    deps.store,
    {
      repo: spendRepo(deps.home, parent.repo),
      ...(parent.createdBy ? { creator: parent.createdBy.id } : {}),
    },
    deps.spendLimits,
  );
  const friendModel = child.friendModel === undefined ? parent.friendModel : (child.friendModel ?? undefined);
  const session = newSessionRecord(deps, {
    task: child.task,
    repo: parent.repo,
    ref: parent.ref,
    baseCommit: parent.baseCommit,
    model: child.model,
    kind: child.kind,
    parentId: parent.id,
    ...(friendModel === undefined ? {} : { friendModel }),
    ...(parent.requestedBy ? { requestedBy: parent.requestedBy } : {}),
    ...(parent.createdBy ? { createdBy: parent.createdBy } : {}),
    ...(parent.allowHosts?.length ? { allowHosts: parent.allowHosts } : {}),
  });
  await deps.store.createSession(session);
  return session;
}
