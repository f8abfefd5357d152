import { createBitbucketCloudClient } from '@coderabbitai/bitbucket/cloud';
import { z } from 'zod';
import { ForgeError } from '../core/errors.ts';
import type { CheckRun, Forge, ForgeComment, PullRequest, RepoPermission } from '../core/ports/forge.ts';
import type { ForgeClientOptions } from './forge-client-options.ts';
import { createForgeRetry, isTransientStatus } from './forge-retry.ts';
import { pushBranch, syncClone } from './remote-git.ts';

export const DEFAULT_BITBUCKET_API_URL = 'https://api.bitbucket.org/2.0';

/** The parts of a pull request (GET .../pullrequests/{id}) that say whether and how it ended. */
const PullState = z.object({
  id: z.number().int(),
  /** `OPEN`, `MERGED`, `DECLINED` or `SUPERSEDED`. */
  state: z.string(),
  links: z
    .object({ html: z.object({ href: z.string() }).partial() })
    .partial()
    .nullish(),
  closed_by: z
    .object({ nickname: z.string(), display_name: z.string(), account_id: z.string() })
    .partial()
    .nullish(),
  updated_on: z.string().nullish(),
});

export interface BitbucketForgeOptions extends ForgeClientOptions {
  /** The API's address; default https://api.bitbucket.org/2.0 (tests point it at a fake). */
  apiUrl?: string;
}

/**
 * A commit status (what Bitbucket Pipelines and other CI report on a commit) as a check run. Pure.
 * `INPROGRESS` runs, `SUCCESSFUL` passes, `FAILED` fails, `STOPPED` counts as cancelled.
 */
export function checkRunOfBitbucketStatus(status: { id: number; name: string; state: string }): CheckRun {
  const done = (conclusion: string): CheckRun => ({
    id: status.id,
    name: status.name,
    status: 'completed',
    conclusion,
  });
  switch (status.state) {
    case 'SUCCESSFUL':
      return done('success');
    case 'FAILED':
      return done('failure');
    case 'STOPPED':
      return done('cancelled');
    default:
      return { id: status.id, name: status.name, status: 'in_progress', conclusion: null };
  }
}

function permissionOf(permission: string | undefined): RepoPermission {
  return permission === 'admin' || permission === 'write' || permission === 'read' ? permission : 'none';
}

class BitbucketAnswer extends Error {
  readonly status: number;
  readonly retryAfter: string | null;
  constructor(status: number, retryAfter: string | null) {
    super(`HTTP ${status}`);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** The parts of a Bitbucket comment drydock reads (the generated types leave most of it open). */
const BitbucketComment = z.object({
  id: z.number().optional(),
  content: z.object({ raw: z.string().nullish() }).nullish(),
  user: z.object({ nickname: z.string().nullish(), display_name: z.string().nullish() }).nullish(),
  links: z.object({ html: z.object({ href: z.string().nullish() }).nullish() }).nullish(),
  deleted: z.boolean().nullish(),
});

function isTransient(error: unknown): boolean {
  return !(error instanceof BitbucketAnswer) || isTransientStatus(error.status);
}

function retryAfter(error: unknown): string | null {
  return error instanceof BitbucketAnswer ? error.retryAfter : null;
}

function forgeError(what: string, repo: string, error: unknown): ForgeError {
  const code = error instanceof BitbucketAnswer ? error.status : null;
  if (code === 401 || code === 403 || code === 404) {
    return new ForgeError(
      'forge_no_access',
      `Bitbucket refused ${what} on ${repo} (HTTP ${code}): drydock has no access to it. Give DRYDOCK_BITBUCKET_TOKEN write access to the repository (admin, to read other people's permissions).`,
      { cause: error },
    );
  }
  return new ForgeError('forge_failed', `Bitbucket failed ${what} on ${repo}: ${String(error)}`, {
    cause: error,
    transient: isTransient(error),
  });
}

/** The status ids drydock hands out: Bitbucket names statuses by key, CheckRun wants a number. */
function statusId(key: string): number {
  let hash = 0;
  for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash;
}

/**
 * The Bitbucket Cloud forge over `@coderabbitai/bitbucket` (an openapi-fetch client generated from
 * Bitbucket's OpenAPI document). A repository is `workspace/repo`. Issues and pull requests are numbered
 * apart. CI is read from commit statuses; their logs are not in the statuses API. 5xx answers and rate
 * limits are retried, waiting what Retry-After asks (capped), before a transient `forge_failed`. Its token
 * is a repository, project or workspace access token (a bearer; git takes it as `x-token-auth`).
 */
export function createBitbucketForge(options: BitbucketForgeOptions): Forge {
  const client = createBitbucketCloudClient({
    baseUrl: (options.apiUrl ?? DEFAULT_BITBUCKET_API_URL).replace(/\/+$/, ''),
    headers: { Accept: 'application/json', Authorization: `Bearer ${options.token}` },
    fetch: (request: Request) => fetch(request),
  });
  const gitUrl = options.gitUrl ?? ((path: string) => `https://bitbucket.org/${path}.git`);
  const remote = (path: string) => ({ url: gitUrl(path), token: options.token, user: 'x-token-auth' });
  const retry = createForgeRetry(options, { isTransient, retryAfter });
  const statusLinks = new Map<number, string>();

  /** One API call: its data, or a BitbucketAnswer for an error answer, retried while transient. */
  async function call<T>(
    what: string,
    repo: string,
    run: () => Promise<{ data?: T; error?: unknown; response: Response }>,
  ): Promise<T> {
    try {
      return await retry(async () => {
        const { data, response } = await run();
        if (!response.ok || data === undefined) {
          throw new BitbucketAnswer(response.status, response.headers.get('retry-after'));
        }
        return data;
      });
    } catch (error) {
      throw forgeError(what, repo, error);
    }
  }

  const path = (repo: string) => {
    const [workspace = '', repo_slug = ''] = repo.split('/');
    return { workspace, repo_slug };
  };
  const comment = (value: unknown): ForgeComment => {
    const note = BitbucketComment.parse(value);
    return {
      id: note.id ?? 0,
      url: note.links?.html?.href ?? '',
      author: note.user?.nickname ?? note.user?.display_name ?? 'ghost',
      body: note.content?.raw ?? '',
    };
  };
  const asPullRequest = (pull: {
    id?: number;
    title?: string;
    description?: string;
    draft?: boolean;
    links?: { html?: { href?: string } };
    source?: { branch?: { name?: string } };
    destination?: { branch?: { name?: string } };
  }): PullRequest => ({
    number: pull.id ?? 0,
    url: pull.links?.html?.href ?? '',
    branch: pull.source?.branch?.name ?? '',
    base: pull.destination?.branch?.name ?? '',
    title: pull.title ?? '',
    body: pull.description ?? '',
    draft: pull.draft ?? false,
  });

  return {
    kind: 'bitbucket',

    async sync(repo, dir) {
      const info = await call('reading the repository', repo, () =>
        client.GET('/repositories/{workspace}/{repo_slug}', { params: { path: path(repo) } }),
      );
      await syncClone(repo, remote(repo), dir);
      return { defaultBranch: info.mainbranch?.name || 'main' };
    },

    async push(repo, push) {
      await pushBranch(push.toRepo ?? repo, remote(push.toRepo ?? repo), push);
    },

    async openOrUpdatePullRequest(repo, request) {
      const open = await call('listing pull requests', repo, () =>
        client.GET('/repositories/{workspace}/{repo_slug}/pullrequests', {
          params: {
            path: path(repo),
            query: { state: 'OPEN', q: `source.branch.name = "${request.branch.replace(/"/g, '')}"` },
          } as never,
        }),
      );
      const existing = open.values?.find((pull) => pull.source?.branch?.name === request.branch);
      if (existing?.id !== undefined) {
        const pull_request_id = existing.id;
        const updated = await call('updating a pull request', repo, () =>
          client.PUT('/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}', {
            params: { path: { ...path(repo), pull_request_id } },
            body: { type: 'pullrequest', title: request.title, description: request.body } as never,
          }),
        );
        return asPullRequest(updated);
      }
      const created = await call('opening a pull request', repo, () =>
        client.POST('/repositories/{workspace}/{repo_slug}/pullrequests', {
          params: { path: path(repo) },
          body: {
            type: 'pullrequest',
            title: request.title,
            description: request.body,
            draft: request.draft ?? false,
            close_source_branch: true,
            source: { branch: { name: request.branch } },
            destination: { branch: { name: request.base } },
          } as never,
        }),
      );
      return asPullRequest(created);
    },

    async pullRequestState(repo, number) {
      const pull = PullState.parse(
        await call('reading a pull request', repo, () =>
          client.GET('/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}', {
            params: { path: { ...path(repo), pull_request_id: number } },
          }),
        ),
      );
      // Declined and superseded pull requests are closed unmerged; Bitbucket says when by its last update.
      const state = pull.state === 'MERGED' ? 'merged' : pull.state === 'OPEN' ? 'open' : 'closed';
      const who = pull.closed_by;
      return {
        number: pull.id,
        url: pull.links?.html?.href ?? '',
        state,
        by: state === 'open' ? null : who?.nickname || who?.display_name || who?.account_id || null,
        at: state === 'open' ? null : (pull.updated_on ?? null),
      };
    },

    comment(repo, number, body, on = 'issue') {
      const content = { content: { raw: body } } as never;
      if (on === 'pull') {
        return call('commenting', repo, () =>
          client.POST('/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments', {
            params: { path: { ...path(repo), pull_request_id: number } },
            body: content,
          }),
        ).then(comment);
      }
      return call('commenting', repo, () =>
        client.POST('/repositories/{workspace}/{repo_slug}/issues/{issue_id}/comments', {
          params: { path: { ...path(repo), issue_id: String(number) } },
          body: content,
        }),
      ).then(comment);
    },

    async listReviewComments(repo, number) {
      const page = await call('reading pull request comments', repo, () =>
        client.GET('/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments', {
          params: { path: { ...path(repo), pull_request_id: number } },
        }),
      );
      return (page.values ?? [])
        .map((each) => BitbucketComment.parse(each))
        .filter((each) => !each.deleted)
        .map(comment);
    },

    async listCheckRuns(repo, sha) {
      const page = await call('reading commit statuses', repo, () =>
        client.GET('/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses', {
          params: { path: { ...path(repo), commit: sha } },
        }),
      );
      return (page.values ?? []).map((status) => {
        const key = status.key ?? status.name ?? 'status';
        const id = statusId(key);
        if (status.url) statusLinks.set(id, status.url);
        return checkRunOfBitbucketStatus({
          id,
          name: status.name ?? key,
          state: status.state ?? 'INPROGRESS',
        });
      });
    },

    async checkRunLog(_repo, run) {
      const link = statusLinks.get(run.id);
      return `Bitbucket's statuses API gives no log for "${run.name}"${link ? `; its log is at ${link}` : ''}.`;
    },

    async permission(repo, user) {
      try {
        const answer = await call('reading a permission', repo, () =>
          client.GET('/repositories/{workspace}/{repo_slug}/permissions-config/users/{selected_user_id}', {
            params: { path: { ...path(repo), selected_user_id: user } },
          }),
        );
        return permissionOf(answer.permission);
      } catch (error) {
        // No explicit permission answers 404 like a repository drydock cannot see: tell them apart by the repository.
        if (
          error instanceof ForgeError &&
          error.cause instanceof BitbucketAnswer &&
          error.cause.status === 404
        ) {
          await call('reading the repository', repo, () =>
            client.GET('/repositories/{workspace}/{repo_slug}', { params: { path: path(repo) } }),
          );
          return 'none';
        }
        throw error;
      }
    },
  };
}
