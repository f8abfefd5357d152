import { join } from 'node:path';
import { type BadInputCode, BadInputError, describeError, isForgeError } from '../core/errors.ts';
import { forgeNotConfigured, parseForgeRepo } from '../core/forge-repo.ts';
import type { EgressRule } from '../core/ports/sandbox.ts';
import type { Requester, Session, SessionCreator } from '../core/session.ts';
import { isSpendLimitReached } from '../core/spend-limit-error.ts';
import { createSession, type SessionRequest } from '../sessions/create-session.ts';
import { createFailedSession } from '../sessions/failed-session.ts';
import { requireRegisteredRepo } from '../sessions/registered-repos.ts';
import { isForgeRepoName } from '../sessions/repo-input.ts';
import { refuseOverSpend } from '../sessions/spend-limits.ts';
import { type ForgeLinkData, forgeKey, originKey, toJsonValue } from './forge-link.ts';
import { sessionUrl, type TriggerDeps } from './trigger-deps.ts';

export interface WorkRequest {
  /** A registered repository: its id, its path, or `owner/name`. */
  repo: string;
  task: string;
  /** Who asked (a GitHub login, a Slack user, `schedule:<name>`). */
  requester: string;
  /** The issue the request came from, answered with a link (forge repositories only). */
  issue?: number;
  model?: string;
  /** The smart friend's model, else the server's default friend, if any. */
  friendModel?: string;
  /** The person to credit as the co-author of the session's commits, when known. */
  requestedBy?: Requester;
  /** Who started it (an API token, `github:<login>`, `hook:<name>`, ...): see `Session.createdBy`. */
  createdBy?: SessionCreator;
  /** Hosts its agent may reach beyond the repository's policy (see `Session.allowHosts`). */
  allowHosts?: EgressRule[];
  /**
   * Work on this pull request's branch (a forge repository): the session starts from its head and its
   * delivery is pushed to that branch, in `headRepo` (the pull request's fork, or the repository itself).
   */
  pullRequest?: { number: number; branch: string; headRepo: string; fixes?: string };
  /** Run a playbook (docs/playbooks.md); see `SessionRequest.playbook`. */
  playbook?: SessionRequest['playbook'];
  /** `model` is the server's default, not the requester's: a playbook's model takes its place. */
  modelIsDefault?: boolean;
}

/**
 * A trigger's request under a spent limit (docs/cost.md): a visible session that failed before it started
 * with the limit's reason, and the issue told so. Null when no limit stands in the way.
 */
async function refusedOverSpend(
  deps: TriggerDeps,
  registered: { kind: string; repo: string },
  request: WorkRequest,
  model: string,
): Promise<Session | null> {
  try {
    await refuseOverSpend(
      deps.sessions.store,
      { repo: registered.repo, ...(request.createdBy ? { creator: request.createdBy.id } : {}) },
      deps.sessions.spendLimits,
    );
    return null;
  } catch (error) {
    if (!isSpendLimitReached(error)) throw error;
    const session = await createFailedSession(deps.sessions, {
      task: request.task,
      repo: registered.repo,
      model,
      code: 'spend_limit_reached',
      reason: describeError(error),
    });
    if (registered.kind === 'forge' && deps.forge && request.issue !== undefined) {
      const repo = isForgeRepoName(request.repo.trim()) ? request.repo.trim() : registered.repo;
      await deps.forge
        .comment(
          repo,
          request.issue,
          `drydock could not start: ${session.reason} (${sessionUrl(deps, session.id)})`,
        )
        .catch(() => {});
    }
    return session;
  }
}

const PLAYBOOK_PROBLEMS: readonly BadInputCode[] = [
  'unknown_playbook',
  'invalid_playbook',
  'missing_playbook_input',
  'unknown_playbook_input',
  'script_models_disabled',
];

function isPlaybookProblem(error: unknown): error is BadInputError {
  return error instanceof BadInputError && PLAYBOOK_PROBLEMS.includes(error.code);
}

/** `owner/name` (not a path): the repository lives on the forge. Pure. */
export const isForgeRepo = isForgeRepoName;

/**
 * Where under `<home>/repos` the control plane keeps a forge repository's clone: `<owner>/<name>` for
 * GitHub (as always), `@gitlab/<group>/.../<project>` for GitLab (no GitHub owner starts with `@`, and
 * the path's segments were checked by its name). Pure.
 */
export function cloneDir(repo: string): string[] {
  const name = parseForgeRepo(repo);
  if (!name) throw forgeNotConfigured(repo);
  const segments = name.path.split('/');
  return name.kind === 'github' ? segments : [`@${name.kind}`, ...segments];
}

/**
 * Starts a session for a trigger (or an API request) on a registered repository: anything else is
 * refused with `repo_not_registered` before anything is created or read. A forge repository is cloned
 * (or fetched) by the control plane into `<home>/repos/<owner>/<name>` with its own credentials, and the
 * session runs against that clone; its delivery is published to the forge later (publish-delivery.ts).
 * When drydock cannot read the repository the session still exists, failed with the reason, and the issue
 * hears about it if it can. Other input errors (an empty task) throw.
 */
export async function startWork(deps: TriggerDeps, request: WorkRequest): Promise<Session> {
  const model = request.model ?? deps.defaultModel;
  const playbook = request.playbook
    ? {
        playbook: request.playbook,
        modelIsDefault: request.model === undefined || request.modelIsDefault === true,
      }
    : {};
  const friendModel = request.friendModel ?? deps.defaultFriendModel;
  const registered = await requireRegisteredRepo(deps.sessions.store, request.repo);
  const refused = await refusedOverSpend(deps, registered, request, model);
  if (refused) return refused;
  const who = {
    ...(friendModel === undefined ? {} : { friendModel }),
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    ...(request.createdBy ? { createdBy: request.createdBy } : {}),
    ...(request.allowHosts?.length ? { allowHosts: request.allowHosts } : {}),
  };
  if (registered.kind === 'local') {
    const session = await createSession(deps.sessions, {
      repo: registered.repo,
      task: request.task,
      model,
      ...who,
      ...playbook,
    });
    deps.wake(session.id);
    return session;
  }
  if (!deps.forge) throw forgeNotConfigured(registered.repo);
  const forge = deps.forge;
  // GitHub's own spelling when the request has one (payloads, Slack): links are keyed by it, and later
  // payloads about the same issue or pull request spell it the same way.
  const named = request.repo.trim();
  const repo = isForgeRepoName(named) ? named : registered.repo;
  const clone = join(deps.sessions.home, 'repos', ...cloneDir(repo));
  let session: Session;
  let base = 'HEAD';
  const pull = request.pullRequest;
  try {
    base = (await forge.sync(repo, clone)).defaultBranch;
    // A pull request's head (a fork's too) is fetched into the clone, and the session starts there.
    const ref = pull && forge.reviews ? await forge.reviews.fetchPullRequest(repo, pull.number, clone) : base;
    session = await createSession(deps.sessions, {
      repo: clone,
      ref,
      task: request.task,
      model,
      ...who,
      ...playbook,
    });
  } catch (error) {
    // A playbook the issue asked for that cannot run (missing inputs, a broken file) is said there too.
    if (!isForgeError(error, 'forge_no_access') && !isPlaybookProblem(error)) throw error;
    session = await createFailedSession(deps.sessions, {
      task: request.task,
      repo,
      model,
      code: error.code,
      reason: describeError(error),
    });
  }
  const link: ForgeLinkData = {
    origin: true,
    repo,
    base,
    issue: request.issue ?? null,
    requester: request.requester,
    ...(pull ? { pull: pull.number, pushTo: { repo: pull.headRepo, branch: pull.branch } } : {}),
    ...(pull?.fixes === undefined ? {} : { fixes: pull.fixes }),
  };
  await deps.sessions.store.linkSession(originKey(repo, session.id), session.id, toJsonValue(link));
  if (request.issue !== undefined) {
    await deps.sessions.store
      .linkSession(forgeKey(repo, request.issue), session.id, { issue: request.issue })
      .catch(() => {}); // an earlier session already answers this issue: both are linked by origin
    const body =
      session.state === 'failed'
        ? `drydock could not start: ${session.reason} (${sessionUrl(deps, session.id)})`
        : `drydock is on it: ${sessionUrl(deps, session.id)}`;
    // Replying is best effort: without access the reply fails too, and the session says why.
    await forge.comment(repo, request.issue, body, 'issue').catch(() => {});
  }
  if (session.state !== 'failed') {
    deps.watch(session.id);
    deps.wake(session.id);
  }
  return session;
}
