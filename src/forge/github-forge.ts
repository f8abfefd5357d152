import { Octokit } from '@octokit/rest';
import { ForgeError } from '../core/errors.ts';
import type { CheckRun, Forge, ForgeComment, RepoPermission } from '../core/ports/forge.ts';
import { isTransientStatus } from './forge-retry.ts';
import { createGithubReviews } from './github-reviews.ts';
import { pushBranch, syncClone } from './remote-git.ts';

/** Hands out a token for a repository: a fine-grained token, or a GitHub App installation token. */
export type GithubTokenSource = (repo: string) => Promise<string>;

export interface GithubForgeOptions {
  tokens: GithubTokenSource;
  /** REST API base; default https://api.github.com (tests point it at a fake). */
  baseUrl?: string;
  /** The git remote of a repository; default `https://github.com/<owner>/<name>.git`. */
  gitUrl?: (repo: string) => string;
}

/** Splits `owner/name`. Throws ForgeError for anything else. */
export function splitRepo(repo: string): { owner: string; repo: string } {
  const match = /^([\w.-]+)\/([\w.-]+)$/.exec(repo);
  if (!match) throw new ForgeError('invalid_repo', `"${repo}" is not a GitHub repository (owner/name).`);
  return { owner: match[1]!, repo: match[2]! };
}

function status(error: unknown): number | null {
  return typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number'
    ? error.status
    : null;
}

function forgeError(what: string, repo: string, error: unknown): ForgeError {
  const code = status(error);
  if (code === 401 || code === 403 || code === 404) {
    return new ForgeError(
      'forge_no_access',
      `GitHub refused ${what} on ${repo} (HTTP ${code}): drydock has no access to it.`,
      {
        cause: error,
      },
    );
  }
  return new ForgeError('forge_failed', `GitHub failed ${what} on ${repo}: ${String(error)}`, {
    cause: error,
    // A rate limit passes too: the caller tries again later (the pull-request sweep, on its next run).
    transient: code === null || isTransientStatus(code),
  });
}

/** The GitHub forge over Octokit's REST client. */
export function createGithubForge(options: GithubForgeOptions): Forge {
  const gitUrl = options.gitUrl ?? ((repo: string) => `https://github.com/${repo}.git`);
  async function client(repo: string): Promise<Octokit> {
    const token = await options.tokens(repo);
    return new Octokit({
      auth: token,
      // Failures become ForgeErrors for the caller to report; Octokit's own error log would repeat them.
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    });
  }
  async function call<T>(what: string, repo: string, run: (octokit: Octokit) => Promise<T>): Promise<T> {
    try {
      return await run(await client(repo));
    } catch (error) {
      if (error instanceof ForgeError) throw error;
      throw forgeError(what, repo, error);
    }
  }
  const comment = (item: {
    id: number;
    html_url: string;
    body?: string | null;
    user?: { login: string } | null;
  }): ForgeComment => ({
    id: item.id,
    url: item.html_url,
    author: item.user?.login ?? 'ghost',
    body: item.body ?? '',
  });

  return {
    kind: 'github',

    async sync(repo, dir) {
      const info = await call('reading the repository', repo, (octokit) =>
        octokit.rest.repos.get(splitRepo(repo)),
      );
      await syncClone(repo, { url: gitUrl(repo), token: await options.tokens(repo) }, dir);
      return { defaultBranch: info.data.default_branch };
    },

    async push(repo, push) {
      // A fork's branch is pushed with the base repository's credentials (its author let maintainers push).
      const url = gitUrl(push.toRepo ?? repo);
      await pushBranch(push.toRepo ?? repo, { url, token: await options.tokens(repo) }, push);
    },

    reviews: createGithubReviews({
      call,
      split: splitRepo,
      remote: async (repo) => ({ url: gitUrl(repo), token: await options.tokens(repo) }),
    }),

    openOrUpdatePullRequest(repo, request) {
      return call('opening a pull request', repo, async (octokit) => {
        const { owner, repo: name } = splitRepo(repo);
        const open = await octokit.rest.pulls.list({
          owner,
          repo: name,
          head: `${owner}:${request.branch}`,
          state: 'open',
        });
        const existing = open.data[0];
        const pull = existing
          ? (
              await octokit.rest.pulls.update({
                owner,
                repo: name,
                pull_number: existing.number,
                title: request.title,
                body: request.body,
              })
            ).data
          : (
              await octokit.rest.pulls.create({
                owner,
                repo: name,
                head: request.branch,
                base: request.base,
                title: request.title,
                body: request.body,
                draft: request.draft ?? false,
              })
            ).data;
        return {
          number: pull.number,
          url: pull.html_url,
          branch: request.branch,
          base: pull.base.ref,
          title: pull.title,
          body: pull.body ?? '',
          draft: pull.draft ?? false,
        };
      });
    },

    comment(repo, number, body) {
      return call('commenting', repo, async (octokit) =>
        comment(
          (await octokit.rest.issues.createComment({ ...splitRepo(repo), issue_number: number, body })).data,
        ),
      );
    },

    pullRequestState(repo, number) {
      return call('reading a pull request', repo, async (octokit) => {
        const { data } = await octokit.rest.pulls.get({ ...splitRepo(repo), pull_number: number });
        // GitHub's pull request says who merged it, not who closed it unmerged (that is in its issue events).
        const state = data.merged ? 'merged' : data.state === 'closed' ? 'closed' : 'open';
        return {
          number: data.number,
          url: data.html_url,
          state,
          by: state === 'merged' ? (data.merged_by?.login ?? null) : null,
          at: state === 'merged' ? data.merged_at : state === 'closed' ? data.closed_at : null,
        };
      });
    },

    listReviewComments(repo, number) {
      return call('reading review comments', repo, async (octokit) => {
        const target = { ...splitRepo(repo), pull_number: number, per_page: 100 };
        const [reviews, comments] = await Promise.all([
          octokit.rest.pulls.listReviews(target),
          octokit.rest.pulls.listReviewComments(target),
        ]);
        return [...reviews.data.filter((review) => review.body), ...comments.data].map(comment);
      });
    },

    listCheckRuns(repo, ref) {
      return call('reading check runs', repo, async (octokit) => {
        const runs = await octokit.rest.checks.listForRef({ ...splitRepo(repo), ref, per_page: 100 });
        return runs.data.check_runs.map(
          (run): CheckRun => ({ id: run.id, name: run.name, status: run.status, conclusion: run.conclusion }),
        );
      });
    },

    checkRunLog(repo, run) {
      return call('reading a check run log', repo, async (octokit) => {
        // A GitHub Actions check run's id is its job's id; other apps only have the run's output.
        try {
          const log = await octokit.rest.actions.downloadJobLogsForWorkflowRun({
            ...splitRepo(repo),
            job_id: run.id,
          });
          return typeof log.data === 'string' ? log.data : String(log.data);
        } catch (error) {
          if (status(error) !== 404) throw error;
          const detail = await octokit.rest.checks.get({ ...splitRepo(repo), check_run_id: run.id });
          const output = detail.data.output;
          return [output.title, output.summary, output.text].filter(Boolean).join('\n\n');
        }
      });
    },

    async permission(repo, user) {
      const answer = await call('reading a permission', repo, (octokit) =>
        octokit.rest.repos.getCollaboratorPermissionLevel({ ...splitRepo(repo), username: user }),
      );
      const level: string = answer.data.permission;
      if (level === 'admin' || level === 'write' || level === 'read') return level;
      return level === 'maintain' ? 'write' : ('none' satisfies RepoPermission);
    },
  };
}

/** A fixed fine-grained token (DRYDOCK_GITHUB_TOKEN). */
export function staticGithubToken(token: string): GithubTokenSource {
  return async () => token;
}
