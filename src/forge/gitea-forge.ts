import { type Api, giteaApi } from 'gitea-js';
import { ForgeError } from '../core/errors.ts';
import type { CheckRun, Forge, ForgeComment, PullRequest, RepoPermission } from '../core/ports/forge.ts';
import type { ForgeClientOptions } from './forge-client-options.ts';
import { createForgeRetry, isTransientStatus } from './forge-retry.ts';
import { pushBranch, syncClone } from './remote-git.ts';

export interface GiteaForgeOptions extends ForgeClientOptions {
  /** The Gitea or Forgejo server: `https://git.example.com` (tests point it at a fake). No default. */
  url: string;
  /** Requests go through this fetch (tests); default the global one. */
  fetch?: typeof fetch;
}

/**
 * What Gitea's collaborator permission (`none`, `read`, `write`, `admin`, `owner`) lets someone do with
 * drydock: the owner administers like an admin. Pure.
 */
export function permissionOfGitea(permission: string | undefined): RepoPermission {
  switch (permission) {
    case 'owner':
    case 'admin':
      return 'admin';
    case 'write':
      return 'write';
    case 'read':
      return 'read';
    default:
      return 'none';
  }
}

/**
 * A commit status as a check run. Pure. Gitea has no check runs; what CI reports on a commit (Gitea or
 * Forgejo Actions, Woodpecker, Drone, Jenkins) is a commit status per context, so a status is a run:
 * `pending` is in progress, `success` passes, `failure` and `error` fail, `warning` does not fail the change.
 */
export function checkRunOfStatus(status: { id: number; context: string; status: string }): CheckRun {
  const done = (conclusion: string): CheckRun => ({
    id: status.id,
    name: status.context,
    status: 'completed',
    conclusion,
  });
  switch (status.status) {
    case 'success':
      return done('success');
    case 'failure':
    case 'error':
      return done('failure');
    case 'warning':
      return done('neutral');
    default:
      return { id: status.id, name: status.context, status: 'in_progress', conclusion: null };
  }
}

/** Gitea's default work-in-progress prefixes (`[repository.pull-request] WORK_IN_PROGRESS_PREFIXES`). */
const DRAFT_PREFIX = /^\s*(WIP:|\[WIP\])\s*/i;

/**
 * gitea-js throws the Response itself when Gitea answers with an error; anything else had no answer. Told
 * by its shape, not `instanceof`: a fetch from another realm (a test's, undici's own) has another Response.
 */
function responseOf(error: unknown): { status: number; headers: Headers } | null {
  if (typeof error !== 'object' || error === null) return null;
  const { status, headers } = error as { status?: unknown; headers?: unknown };
  const hasGet =
    typeof headers === 'object' &&
    headers !== null &&
    typeof (headers as { get?: unknown }).get === 'function';
  return typeof status === 'number' && hasGet ? { status, headers: headers as Headers } : null;
}

function statusOf(error: unknown): number | null {
  return responseOf(error)?.status ?? null;
}

function retryAfter(error: unknown): string | null {
  return responseOf(error)?.headers.get('retry-after') ?? null;
}

/** Whether Gitea may answer differently in a moment: a 5xx, a rate limit, or no answer at all. */
function isTransient(error: unknown): boolean {
  const code = statusOf(error);
  return code === null || isTransientStatus(code);
}

function forgeError(what: string, repo: string, error: unknown): ForgeError {
  const code = statusOf(error);
  if (code === 401 || code === 403 || code === 404) {
    return new ForgeError(
      'forge_no_access',
      `Gitea refused ${what} on ${repo} (HTTP ${code}): drydock has no access to it. Make DRYDOCK_GITEA_TOKEN's account a collaborator with write access (administrator, to read other people's permissions).`,
      { cause: error },
    );
  }
  const detail = code === null ? String(error) : `HTTP ${code}`;
  return new ForgeError('forge_failed', `Gitea failed ${what} on ${repo}: ${detail}`, {
    cause: error,
    transient: isTransient(error),
  });
}

function split(repo: string): [string, string] {
  const [owner = '', name = ''] = repo.split('/');
  return [owner, name];
}

/**
 * The Gitea forge over `gitea-js` (Gitea's API v1, which Forgejo serves too). A repository is named by its
 * `owner/name` on the one server DRYDOCK_GITEA_URL names. gitea-js does not retry: drydock retries 5xx
 * answers and rate limits, waiting what Retry-After asks (capped), before it reports a transient
 * `forge_failed`. CI is read from commit statuses (Gitea has no check runs); their logs are not in the API.
 * Its token is an access token of drydock's account (scopes `write:repository` and `write:issue`).
 */
export function createGiteaForge(options: GiteaForgeOptions): Forge {
  const url = options.url.replace(/\/+$/, '');
  const api: Api<unknown> = giteaApi(url, {
    token: options.token,
    ...(options.fetch ? { customFetch: options.fetch } : { customFetch: (...args) => fetch(...args) }),
  });
  const gitUrl = options.gitUrl ?? ((path: string) => `${url}/${path}.git`);
  const remote = (path: string) => ({ url: gitUrl(path), token: options.token });
  const retry = createForgeRetry(options, { isTransient, retryAfter });
  /** Where each commit status points (its CI's page), by id: what a failing one's "log" can say. */
  const statusTargets = new Map<number, string>();

  async function call<T>(what: string, repo: string, run: () => Promise<{ data: T }>): Promise<T> {
    try {
      return (await retry(run)).data;
    } catch (error) {
      throw forgeError(what, repo, error);
    }
  }

  const comment = (note: { id?: number; html_url?: string; body?: string; user?: { login?: string } }) => ({
    id: note.id ?? 0,
    url: note.html_url ?? '',
    author: note.user?.login ?? 'ghost',
    body: note.body ?? '',
  });

  const asPullRequest = (pull: {
    number?: number;
    html_url?: string;
    head?: { ref?: string };
    base?: { ref?: string };
    title?: string;
    body?: string;
    draft?: boolean;
  }): PullRequest => ({
    number: pull.number ?? 0,
    url: pull.html_url ?? '',
    branch: pull.head?.ref ?? '',
    base: pull.base?.ref ?? '',
    title: (pull.title ?? '').replace(DRAFT_PREFIX, ''),
    body: pull.body ?? '',
    draft: pull.draft ?? DRAFT_PREFIX.test(pull.title ?? ''),
  });

  return {
    kind: 'gitea',

    async sync(repo, dir) {
      const [owner, name] = split(repo);
      const info = await call('reading the repository', repo, () => api.repos.repoGet(owner, name));
      await syncClone(repo, remote(repo), dir);
      return { defaultBranch: info.default_branch || 'main' };
    },

    async push(repo, push) {
      await pushBranch(push.toRepo ?? repo, remote(push.toRepo ?? repo), push);
    },

    async openOrUpdatePullRequest(repo, request) {
      const [owner, name] = split(repo);
      // Gitea's list has no head filter: page through the open pull requests for the branch's.
      let existing: Awaited<ReturnType<typeof api.repos.repoListPullRequests>>['data'][number] | undefined;
      for (let page = 1; !existing; page += 1) {
        const open = await call('listing pull requests', repo, () =>
          api.repos.repoListPullRequests(owner, name, { state: 'open', page, limit: 50 }),
        );
        existing = open.find(
          (pull) =>
            pull.head?.ref === request.branch &&
            (pull.head.repo_id === undefined || pull.head.repo_id === pull.base?.repo_id),
        );
        if (open.length < 50) break;
      }
      if (existing?.number !== undefined) {
        const number = existing.number;
        // Gitea marks a draft by its title's prefix; an update keeps the pull request's draft state.
        const draft = existing.draft ?? DRAFT_PREFIX.test(existing.title ?? '');
        const updated = await call('updating a pull request', repo, () =>
          api.repos.repoEditPullRequest(owner, name, number, {
            title: draft ? `WIP: ${request.title}` : request.title,
            body: request.body,
          }),
        );
        return asPullRequest(updated);
      }
      const created = await call('opening a pull request', repo, () =>
        api.repos.repoCreatePullRequest(owner, name, {
          head: request.branch,
          base: request.base,
          title: request.draft ? `WIP: ${request.title}` : request.title,
          body: request.body,
        }),
      );
      return asPullRequest(created);
    },

    async pullRequestState(repo, number) {
      const [owner, name] = split(repo);
      const pull = await call('reading a pull request', repo, () =>
        api.repos.repoGetPullRequest(owner, name, number),
      );
      const state = pull.merged ? 'merged' : pull.state === 'closed' ? 'closed' : 'open';
      // Gitea's pull request names who merged it, not who closed it unmerged.
      return {
        number: pull.number ?? number,
        url: pull.html_url ?? '',
        state,
        by: state === 'merged' ? (pull.merged_by?.login ?? null) : null,
        at: (state === 'merged' ? pull.merged_at : state === 'closed' ? pull.closed_at : null) ?? null,
      };
    },

    comment(repo, number, body) {
      // Issues and pull requests share one numbering and one comment API on Gitea, as on GitHub.
      const [owner, name] = split(repo);
      return call('commenting', repo, () => api.repos.issueCreateComment(owner, name, number, { body })).then(
        comment,
      );
    },

    async listReviewComments(repo, number) {
      const [owner, name] = split(repo);
      const reviews = await call('reading pull request reviews', repo, () =>
        api.repos.repoListPullReviews(owner, name, number),
      );
      const comments: ForgeComment[] = [];
      for (const review of reviews) {
        if (review.body?.trim()) comments.push(comment(review));
        if (!review.id || !review.comments_count) continue;
        const id = review.id;
        const inline = await call('reading review comments', repo, () =>
          api.repos.repoGetPullReviewComments(owner, name, number, id),
        );
        comments.push(...inline.map(comment));
      }
      return comments;
    },

    async listCheckRuns(repo, sha) {
      const [owner, name] = split(repo);
      // The newest status per context (`recentupdate` first): a rerun's status replaces the earlier one.
      const statuses = await call('reading commit statuses', repo, () =>
        api.repos.repoListStatusesByRef(owner, name, sha, { sort: 'recentupdate', limit: 50 }),
      );
      const latest = new Map<string, CheckRun>();
      for (const status of statuses) {
        const context = status.context ?? 'default';
        if (latest.has(context) || status.id === undefined) continue;
        if (status.target_url) statusTargets.set(status.id, status.target_url);
        latest.set(context, checkRunOfStatus({ id: status.id, context, status: status.status ?? 'pending' }));
      }
      return [...latest.values()];
    },

    async checkRunLog(_repo, run) {
      // Commit statuses carry no log, and Gitea's API gives none for them: say where the log is.
      const target = statusTargets.get(run.id);
      return `Gitea's API gives no log for the commit status "${run.name}"${target ? `; its log is at ${target}` : ''}.`;
    },

    async permission(repo, user) {
      const [owner, name] = split(repo);
      try {
        const answer = await call('reading a permission', repo, () =>
          api.repos.repoGetRepoPermissions(owner, name, user),
        );
        return permissionOfGitea(answer.permission);
      } catch (error) {
        // An unknown user answers 404 like a repository drydock cannot see: tell them apart by the repository.
        if (error instanceof ForgeError && statusOf(error.cause) === 404) {
          await call('reading the repository', repo, () => api.repos.repoGet(owner, name));
          return 'none';
        }
        throw error;
      }
    },
  };
}
