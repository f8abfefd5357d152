import { GitbeakerRequestError, GitbeakerRetryError, Gitlab } from '@gitbeaker/rest';
import { z } from 'zod';
import { ForgeError } from '../core/errors.ts';
import type { CheckRun, Forge, ForgeComment, RepoPermission } from '../core/ports/forge.ts';
import type { ForgeClientOptions } from './forge-client-options.ts';
import { createForgeRetry, isTransientStatus } from './forge-retry.ts';
import { createGitlabReviews } from './gitlab-reviews.ts';
import { pushBranch, syncClone } from './remote-git.ts';

export const DEFAULT_GITLAB_URL = 'https://gitlab.com';

const username = z.object({ username: z.string() }).nullish();
/** The parts of a merge request (GET /projects/:id/merge_requests/:iid) that say whether and how it ended. */
const MergeState = z.object({
  iid: z.number().int(),
  web_url: z.string(),
  /** `opened`, `closed`, `locked` or `merged`. */
  state: z.string(),
  merge_user: username,
  merged_by: username,
  merged_at: z.string().nullish(),
  closed_by: username,
  closed_at: z.string().nullish(),
});

export interface GitlabForgeOptions extends ForgeClientOptions {
  /** The instance: https://gitlab.com or a self-managed one's address (tests point it at a fake). */
  url: string;
}

/** GitLab's access levels (REST API v4 `access_level`). */
export const GITLAB_ACCESS = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;

/** What an access level lets someone do with drydock: Developer writes, Maintainer and Owner administer. Pure. */
export function permissionOfAccessLevel(level: number): RepoPermission {
  if (level >= GITLAB_ACCESS.maintainer) return 'admin';
  if (level >= GITLAB_ACCESS.developer) return 'write';
  if (level >= GITLAB_ACCESS.guest) return 'read';
  return 'none';
}

/**
 * A GitLab job as a check run. Pure. A job allowed to fail does not fail the change (`neutral`), and a
 * manual job nobody started counts as skipped, so CI follow-up does not wait for it forever.
 */
export function checkRunOfJob(job: {
  id: number;
  name: string;
  stage?: string;
  status: string;
  allow_failure?: boolean;
}): CheckRun {
  const name = job.stage ? `${job.stage}: ${job.name}` : job.name;
  const done = (conclusion: string): CheckRun => ({ id: job.id, name, status: 'completed', conclusion });
  switch (job.status) {
    case 'success':
      return done('success');
    case 'failed':
      return done(job.allow_failure ? 'neutral' : 'failure');
    case 'canceled':
    case 'canceling':
      return done('cancelled');
    case 'skipped':
    case 'manual':
      return done('skipped');
    case 'running':
      return { id: job.id, name, status: 'in_progress', conclusion: null };
    case 'waiting_for_resource':
    case 'waiting_for_callback':
    case 'scheduled':
      return { id: job.id, name, status: 'waiting', conclusion: null };
    default:
      // created, pending, preparing
      return { id: job.id, name, status: 'queued', conclusion: null };
  }
}

const DRAFT_PREFIX = /^\s*(\[draft\]|\(draft\)|draft:|draft\s-\s|\[wip\]|wip:)\s*/i;

function statusOf(error: unknown): number | null {
  if (error instanceof GitbeakerRequestError) {
    const response = (error.cause as { response?: Response } | undefined)?.response;
    return typeof response?.status === 'number' ? response.status : null;
  }
  return null;
}

function retryAfter(error: unknown): string | null {
  if (!(error instanceof GitbeakerRequestError)) return null;
  return (error.cause as { response?: Response } | undefined)?.response?.headers.get('retry-after') ?? null;
}

/**
 * Whether GitLab may answer differently in a moment: a 5xx, a rate limit gitbeaker gave up on, no answer.
 * A ForgeError is a nested call's, already retried and explained.
 */
function isTransient(error: unknown): boolean {
  if (error instanceof ForgeError) return false;
  if (error instanceof GitbeakerRetryError) return true;
  const code = statusOf(error);
  return code === null ? !(error instanceof GitbeakerRequestError) : isTransientStatus(code);
}

function forgeError(what: string, project: string, error: unknown): ForgeError {
  const code = statusOf(error);
  if (code === 401 || code === 403 || code === 404) {
    return new ForgeError(
      'forge_no_access',
      `GitLab refused ${what} on ${project} (HTTP ${code}): drydock has no access to it. Give DRYDOCK_GITLAB_TOKEN's user or bot at least the Developer role on the project.`,
      { cause: error },
    );
  }
  return new ForgeError('forge_failed', `GitLab failed ${what} on ${project}: ${String(error)}`, {
    cause: error,
    transient: isTransient(error),
  });
}

/**
 * The GitLab forge (gitlab.com or self-managed) over `@gitbeaker/rest`. A project is named by its path
 * (`group/subgroup/project`); pull requests are merge requests, numbered by their iid. gitbeaker retries a
 * 429 or 502 itself, quickly; drydock then retries 5xx answers and exhausted rate limits, waiting what
 * GitLab's Retry-After asks (capped), before it reports a transient `forge_failed`. Its token is a project,
 * group or personal access token (scopes `api` and `write_repository`).
 */
export function createGitlabForge(options: GitlabForgeOptions): Forge {
  const url = options.url.replace(/\/+$/, '');
  const api = new Gitlab({ host: url, token: options.token });
  const gitUrl = options.gitUrl ?? ((path: string) => `${url}/${path}.git`);
  const remote = (path: string) => ({ url: gitUrl(path), token: options.token });
  const retry = createForgeRetry(options, { isTransient, retryAfter });

  async function call<T>(what: string, project: string, run: () => Promise<T>): Promise<T> {
    try {
      return await retry(run);
    } catch (error) {
      throw error instanceof ForgeError ? error : forgeError(what, project, error);
    }
  }

  const noteUrl = (project: string, on: 'issue' | 'pull', iid: number, id: number) =>
    `${url}/${project}/-/${on === 'pull' ? 'merge_requests' : 'issues'}/${iid}#note_${id}`;
  const comment = (
    project: string,
    on: 'issue' | 'pull',
    iid: number,
    note: { id: number; body?: string | null; author?: { username?: string } | null },
  ): ForgeComment => ({
    id: note.id,
    url: noteUrl(project, on, iid, note.id),
    author: note.author?.username ?? 'ghost',
    body: note.body ?? '',
  });

  return {
    kind: 'gitlab',

    async sync(project, dir) {
      const info = await call('reading the project', project, () => api.Projects.show(project));
      await syncClone(project, remote(project), dir);
      return { defaultBranch: String(info.default_branch ?? 'main') };
    },

    async push(project, push) {
      await pushBranch(push.toRepo ?? project, remote(push.toRepo ?? project), push);
    },

    reviews: createGitlabReviews({ api, call, url, remote }),

    openOrUpdatePullRequest(project, request) {
      return call('opening a merge request', project, async () => {
        const open = await api.MergeRequests.all({
          projectId: project,
          sourceBranch: request.branch,
          state: 'opened',
        });
        const existing = open[0];
        // GitLab marks a draft by its title's prefix; an update keeps the request's draft state.
        const draft = existing ? Boolean(existing.draft) : (request.draft ?? false);
        const title = draft ? `Draft: ${request.title}` : request.title;
        const request_ = existing
          ? await api.MergeRequests.edit(project, existing.iid, { title, description: request.body })
          : await api.MergeRequests.create(project, request.branch, request.base, title, {
              description: request.body,
              removeSourceBranch: true,
            });
        return {
          number: request_.iid,
          url: request_.web_url,
          branch: request.branch,
          base: request_.target_branch,
          title: request_.title.replace(DRAFT_PREFIX, ''),
          body: request_.description ?? '',
          draft: Boolean(request_.draft ?? DRAFT_PREFIX.test(request_.title)),
        };
      });
    },

    pullRequestState(project, iid) {
      return call('reading a merge request', project, async () => {
        const mr = MergeState.parse(await api.MergeRequests.show(project, iid));
        const state = mr.state === 'merged' ? 'merged' : mr.state === 'closed' ? 'closed' : 'open';
        // `merged_by` is deprecated for `merge_user` (GitLab 14.7); older instances send only the former.
        const merger = mr.merge_user ?? mr.merged_by;
        return {
          number: mr.iid,
          url: mr.web_url,
          state,
          by:
            (state === 'merged' ? merger?.username : state === 'closed' ? mr.closed_by?.username : null) ??
            null,
          at: (state === 'merged' ? mr.merged_at : state === 'closed' ? mr.closed_at : null) ?? null,
        };
      });
    },

    comment(project, iid, body, on = 'issue') {
      return call('commenting', project, async () => {
        const note =
          on === 'pull'
            ? await api.MergeRequestNotes.create(project, iid, body)
            : await api.IssueNotes.create(project, iid, body);
        return comment(project, on, iid, note);
      });
    },

    listReviewComments(project, iid) {
      return call('reading merge request discussions', project, async () => {
        const discussions = await api.MergeRequestDiscussions.all(project, iid);
        return discussions.flatMap((discussion) =>
          (discussion.notes ?? [])
            .filter((note) => !note.system)
            .map((note) => comment(project, 'pull', iid, note)),
        );
      });
    },

    listCheckRuns(project, sha) {
      return call('reading pipelines', project, async () => {
        // The newest pipeline of the commit (a branch pipeline and a merge request pipeline may both run).
        const pipelines = await api.Pipelines.all(project, { sha });
        const latest = [...pipelines].sort((a, b) => b.id - a.id)[0];
        if (!latest) return [];
        const jobs = await api.Jobs.all(project, { pipelineId: latest.id });
        return jobs.map((job) =>
          checkRunOfJob({
            id: job.id,
            name: job.name,
            stage: job.stage,
            status: job.status,
            allow_failure: Boolean(job.allow_failure),
          }),
        );
      });
    },

    checkRunLog(project, run) {
      return call('reading a job log', project, async () => {
        const log: unknown = await api.Jobs.showLog(project, run.id);
        if (typeof log === 'string') return log;
        return log instanceof Blob ? await log.text() : String(log);
      });
    },

    async permission(project, user) {
      const users = await call('finding a user', project, () => api.Users.all({ username: user }));
      const found = users.find((each) => each.username.toLowerCase() === user.toLowerCase());
      if (!found) return 'none';
      try {
        // `members/all`: members of the project and of its groups above it (inherited), at their highest role.
        const member = await call('reading a member', project, () =>
          api.ProjectMembers.show(project, found.id, { includeInherited: true }),
        );
        return permissionOfAccessLevel(Number(member.access_level));
      } catch (error) {
        // Not a member answers 404 like a project drydock cannot see: tell them apart by the project.
        if (error instanceof ForgeError && statusOf(error.cause) === 404) {
          await call('reading the project', project, () => api.Projects.show(project));
          return 'none';
        }
        throw error;
      }
    },
  };
}
