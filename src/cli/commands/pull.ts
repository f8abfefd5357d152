import { BadInputError, ConflictError, NotFoundError } from '../../core/errors.ts';
import type { Session } from '../../core/session.ts';
import { applyPatchAsBranch } from '../../forge/apply-patch.ts';
import { formatPatch } from '../../forge/format-patch.ts';
import { git } from '../../forge/git.ts';
import { withReadableWorkspace } from '../../sessions/readable-workspace.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import type { RemoteClient } from '../remote-client.ts';

export interface PulledWork {
  session: Session;
  patch: string;
}

/** The session and its patch from this machine's store and workspace. */
export async function pullEmbedded(deps: SessionDeps, id: string): Promise<PulledWork> {
  const session = await deps.store.getSession(id);
  if (!session)
    throw new NotFoundError('session_not_found', `No session "${id}". List them with: drydock sessions`);
  if (!session.headCommit || !session.baseCommit) {
    throw new ConflictError('not_delivered', `Session ${id} has delivered no commit yet (${session.state}).`);
  }
  const { baseCommit, headCommit } = session;
  const patch = await withReadableWorkspace(deps, id, (workspace) =>
    formatPatch([workspace, session.repo], baseCommit, headCommit),
  );
  if (patch === null) throw new NotFoundError('commits_missing', `The commits of session ${id} are gone.`);
  return { session, patch };
}

/** The session and its patch from a drydock server. */
export async function pullRemote(client: RemoteClient, id: string): Promise<PulledWork> {
  const session = await client.json<Session>('GET', `/api/sessions/${encodeURIComponent(id)}`);
  const patch = await client.text('GET', `/api/sessions/${encodeURIComponent(id)}/patch`);
  return { session, patch };
}

/**
 * `drydock pull <id>`: the session's commits as a new local branch of the repository at `cwd`, based on
 * the session's base commit; the current branch and working tree stay as they are.
 */
export async function applyPulledWork(work: PulledWork, cwd: string, branchFlag?: string): Promise<string> {
  const top = (await git(['rev-parse', '--show-toplevel'], { cwd }).catch(() => null))?.trim();
  if (!top)
    throw new BadInputError(
      'not_a_git_repository',
      `${cwd} is not a git repository; run drydock pull inside one.`,
    );
  const { baseCommit } = work.session;
  if (baseCommit === null) {
    throw new BadInputError(
      'nothing_to_pull',
      `Session ${work.session.id} failed before it started, so it has no commits to pull.`,
    );
  }
  const branch = branchFlag ?? work.session.branch ?? `drydock/pull-${work.session.id}`;
  const head = await applyPatchAsBranch(top, work.patch, baseCommit, branch);
  return `branch ${branch} at ${head.slice(0, 10)} in ${top}\nsee it: git log -p ${baseCommit.slice(0, 10)}..${branch}\n`;
}
