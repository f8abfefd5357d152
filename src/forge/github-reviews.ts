import type { Octokit } from '@octokit/rest';
import type { ForgePullRequest, PullRequestReviews } from '../core/ports/forge.ts';
import { fetchRef, type RemoteGit } from './remote-git.ts';

/** Runs one Octokit call for `repo`, its failure a ForgeError saying `what` failed (github-forge.ts). */
export type GithubCall = <T>(what: string, repo: string, run: (octokit: Octokit) => Promise<T>) => Promise<T>;

type Target = { owner: string; repo: string; pull_number: number };

const THREADS_QUERY = `query($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        nodes { id isResolved comments(first: 1) { nodes { databaseId } } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}`;

const RESOLVE_MUTATION = `mutation($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } }
}`;

interface ThreadsPage {
  repository: {
    pullRequest: {
      reviewThreads: {
        nodes: Array<{ id: string; isResolved: boolean; comments: { nodes: Array<{ databaseId: number }> } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } | null;
  } | null;
}

/**
 * The review bot's GitHub calls: REST for pull requests, reviews and comments; GraphQL for resolving a
 * review thread (REST has no such call). `target` splits `owner/name`; `remote` is the repository's git
 * remote with the control plane's credentials.
 */
export function createGithubReviews(options: {
  call: GithubCall;
  split(repo: string): { owner: string; repo: string };
  remote(repo: string): Promise<RemoteGit>;
}): PullRequestReviews {
  const { call, split } = options;
  const target = (repo: string, number: number): Target => ({ ...split(repo), pull_number: number });
  return {
    getPullRequest(repo, number) {
      return call('reading a pull request', repo, async (octokit) => {
        const pull = (await octokit.rest.pulls.get(target(repo, number))).data;
        return {
          number: pull.number,
          url: pull.html_url,
          title: pull.title,
          body: pull.body ?? '',
          draft: pull.draft ?? false,
          state: pull.state,
          author: pull.user?.login ?? 'ghost',
          headSha: pull.head.sha,
          headRef: pull.head.ref,
          headRepo: pull.head.repo?.full_name ?? null,
          baseRef: pull.base.ref,
          maintainerCanModify: pull.maintainer_can_modify ?? false,
        } satisfies ForgePullRequest;
      });
    },

    async fetchPullRequest(repo, number, dir) {
      // GitHub keeps every pull request's head, a fork's too, as refs/pull/<n>/head of the base repository.
      return fetchRef(repo, await options.remote(repo), dir, {
        from: `refs/pull/${number}/head`,
        to: `refs/drydock/pull/${number}`,
      });
    },

    createReview(repo, number, review) {
      return call('posting a review', repo, async (octokit) => {
        const posted = (
          await octokit.rest.pulls.createReview({
            ...target(repo, number),
            commit_id: review.commitId,
            event: 'COMMENT',
            body: review.body,
            comments: review.comments.map((comment) => ({ ...comment, side: 'RIGHT' })),
          })
        ).data;
        const comments =
          review.comments.length === 0
            ? []
            : (
                await octokit.rest.pulls.listCommentsForReview({
                  ...target(repo, number),
                  review_id: posted.id,
                  per_page: 100,
                })
              ).data;
        return {
          id: posted.id,
          url: posted.html_url,
          comments: comments.map((comment) => ({
            id: comment.id,
            path: comment.path,
            line: comment.line ?? null,
            body: comment.body,
          })),
        };
      });
    },

    async updateReview(repo, number, reviewId, body) {
      await call('updating a review', repo, (octokit) =>
        octokit.rest.pulls.updateReview({ ...target(repo, number), review_id: reviewId, body }),
      );
    },

    createReviewComment(repo, number, comment) {
      return call('posting a review comment', repo, async (octokit) => {
        const posted = await octokit.rest.pulls.createReviewComment({
          ...target(repo, number),
          commit_id: comment.commitId,
          path: comment.path,
          line: comment.line,
          side: 'RIGHT',
          body: comment.body,
        });
        return posted.data.id;
      });
    },

    replyToReviewComment(repo, number, commentId, body) {
      return call('replying to a review comment', repo, async (octokit) => {
        const posted = await octokit.rest.pulls.createReplyForReviewComment({
          ...target(repo, number),
          comment_id: commentId,
          body,
        });
        return posted.data.id;
      });
    },

    resolveReviewThread(repo, number, commentId) {
      return call('resolving a review thread', repo, async (octokit) => {
        const { owner, repo: name } = split(repo);
        let cursor: string | null = null;
        for (let page = 0; page < 20; page++) {
          const answer: ThreadsPage = await octokit.graphql<ThreadsPage>(THREADS_QUERY, {
            owner,
            name,
            number,
            cursor,
          });
          const threads = answer.repository?.pullRequest?.reviewThreads;
          if (!threads) return false;
          const thread = threads.nodes.find((each) => each.comments.nodes[0]?.databaseId === commentId);
          if (thread) {
            if (!thread.isResolved) await octokit.graphql(RESOLVE_MUTATION, { threadId: thread.id });
            return true;
          }
          if (!threads.pageInfo.hasNextPage) return false;
          cursor = threads.pageInfo.endCursor;
        }
        return false;
      });
    },
  };
}
