import type { FakeRepo, GithubRequest } from './fake-github.ts';

/** drydock's login on the fake: what it posts is by this user. */
export const BOT = 'drydock[bot]';

/**
 * The fake GitHub's pull request reviews (fake-github.ts): reviews with inline comments, single comments,
 * replies, review edits, and GraphQL's review threads and resolveReviewThread, each recorded on the repository.
 */

/** A review comment: inline on a line of the diff, or a reply in a thread. */
export interface FakeReviewComment {
  id: number;
  pull: number;
  body: string;
  user: string;
  path?: string;
  line?: number;
  side?: string;
  commitId?: string;
  reviewId?: number;
  inReplyTo?: number;
  /** Its thread was resolved (GraphQL resolveReviewThread); only a thread's first comment has it. */
  resolved?: boolean;
}

export interface FakeReview {
  id: number;
  pull: number;
  body: string;
  event: string;
  commitId: string;
  user: string;
}

const html = (slug: string, path: string) => `https://github.example/${slug}${path}`;

export const reviewCommentJson = (slug: string, comment: FakeReviewComment) => ({
  id: comment.id,
  html_url: html(slug, `/pull/${comment.pull}#discussion_r${comment.id}`),
  body: comment.body,
  user: { login: comment.user },
  path: comment.path ?? null,
  line: comment.line ?? null,
  side: comment.side ?? null,
  commit_id: comment.commitId ?? null,
  pull_request_review_id: comment.reviewId ?? null,
  ...(comment.inReplyTo === undefined ? {} : { in_reply_to_id: comment.inReplyTo }),
});
export const reviewJson = (slug: string, review: FakeReview) => ({
  id: review.id,
  html_url: html(slug, `/pull/${review.pull}#pullrequestreview-${review.id}`),
  body: review.body,
  state: 'COMMENTED',
  commit_id: review.commitId,
  user: { login: review.user },
});

/** GraphQL: the review threads of a pull request, and resolving one (what drydock asks, nothing more). */
export function answerGraphql(
  repos: ReadonlyMap<string, FakeRepo>,
  request: GithubRequest,
): { status: number; body: unknown } {
  const query = String(request.body.query ?? '');
  const variables = (request.body.variables ?? request.body) as Record<string, unknown>;
  if (query.includes('resolveReviewThread')) {
    const threadId = String(variables.threadId);
    for (const repo of repos.values()) {
      const first = repo.reviewComments.find((comment) => `PRRT_${comment.id}` === threadId);
      if (first) {
        first.resolved = true;
        return {
          status: 200,
          body: { data: { resolveReviewThread: { thread: { id: threadId, isResolved: true } } } },
        };
      }
    }
    return {
      status: 200,
      body: { errors: [{ message: `Could not resolve to a node with the global id of '${threadId}'` }] },
    };
  }
  if (query.includes('reviewThreads')) {
    const repo = repos.get(`${variables.owner}/${variables.name}`);
    if (!repo) return { status: 200, body: { data: { repository: null } } };
    const threads = repo.reviewComments
      .filter((comment) => comment.pull === Number(variables.number) && comment.inReplyTo === undefined)
      .map((comment) => ({
        id: `PRRT_${comment.id}`,
        isResolved: comment.resolved === true,
        comments: { nodes: [{ databaseId: comment.id }] },
      }));
    return {
      status: 200,
      body: {
        data: {
          repository: {
            pullRequest: {
              reviewThreads: { nodes: threads, pageInfo: { hasNextPage: false, endCursor: null } },
            },
          },
        },
      },
    };
  }
  return { status: 200, body: { errors: [{ message: 'fake GitHub answers no such query' }] } };
}

type Answer = { status: number; body: unknown };

/** The review routes under `/repos/{owner}/{repo}`, or null for any other request. */
export function reviewRoute(ctx: {
  repo: FakeRepo;
  slug: string;
  method: string;
  rest: string;
  body: Record<string, unknown>;
  nextId: () => number;
  diffLines?: ((slug: string, number: number, path: string) => ReadonlySet<number> | null) | undefined;
}): Answer | null {
  const { repo, slug, method, rest, body } = ctx;
  let m: RegExpExecArray | null;
  m = /^\/pulls\/(\d+)\/(comments|reviews)$/.exec(rest);
  if (m && method === 'GET') {
    const number = Number(m[1]);
    if (m[2] === 'reviews') {
      return {
        status: 200,
        body: repo.reviews.filter((review) => review.pull === number).map((r) => reviewJson(slug, r)),
      };
    }
    return {
      status: 200,
      body: repo.reviewComments
        .filter((comment) => comment.pull === number)
        .map((comment) => reviewCommentJson(slug, comment)),
    };
  }
  const pullOf = (number: number) => repo.pulls.find((each) => each.number === number);
  const commentable = (number: number, path: unknown, line: unknown): string | null => {
    if (typeof path !== 'string' || typeof line !== 'number') return 'path and line are required';
    const lines = ctx.diffLines?.(slug, number, path);
    return lines && !lines.has(line) ? `line ${line} of ${path} is not part of the diff` : null;
  };
  if (m && method === 'POST' && m[2] === 'reviews') {
    const number = Number(m[1]);
    if (!pullOf(number)) return { status: 404, body: { message: 'Not Found' } };
    const comments = Array.isArray(body.comments) ? (body.comments as Array<Record<string, unknown>>) : [];
    for (const comment of comments) {
      const problem = commentable(number, comment.path, comment.line);
      if (problem) return { status: 422, body: { message: 'Unprocessable Entity', errors: [problem] } };
    }
    const review: FakeReview = {
      id: ctx.nextId(),
      pull: number,
      body: String(body.body ?? ''),
      event: String(body.event ?? 'PENDING'),
      commitId: String(body.commit_id ?? ''),
      user: BOT,
    };
    repo.reviews.push(review);
    for (const comment of comments) {
      repo.reviewComments.push({
        id: ctx.nextId(),
        pull: number,
        body: String(comment.body),
        user: BOT,
        path: String(comment.path),
        line: Number(comment.line),
        side: String(comment.side ?? 'RIGHT'),
        commitId: review.commitId,
        reviewId: review.id,
      });
    }
    return { status: 200, body: reviewJson(slug, review) };
  }
  if (m && method === 'POST' && m[2] === 'comments') {
    const number = Number(m[1]);
    if (!pullOf(number)) return { status: 404, body: { message: 'Not Found' } };
    const problem = commentable(number, body.path, body.line);
    if (problem) return { status: 422, body: { message: 'Unprocessable Entity', errors: [problem] } };
    const comment: FakeReviewComment = {
      id: ctx.nextId(),
      pull: number,
      body: String(body.body),
      user: BOT,
      path: String(body.path),
      line: Number(body.line),
      side: String(body.side ?? 'RIGHT'),
      commitId: String(body.commit_id ?? ''),
    };
    repo.reviewComments.push(comment);
    return { status: 201, body: reviewCommentJson(slug, comment) };
  }
  m = /^\/pulls\/(\d+)\/reviews\/(\d+)(\/comments)?$/.exec(rest);
  if (m) {
    const review = repo.reviews.find((each) => each.id === Number(m![2]) && each.pull === Number(m![1]));
    if (!review) return { status: 404, body: { message: 'Not Found' } };
    if (m[3] && method === 'GET') {
      return {
        status: 200,
        body: repo.reviewComments
          .filter((comment) => comment.reviewId === review.id)
          .map((comment) => reviewCommentJson(slug, comment)),
      };
    }
    if (!m[3] && method === 'PUT') {
      review.body = String(body.body);
      repo.reviewEdits.push({ reviewId: review.id, body: review.body });
      return { status: 200, body: reviewJson(slug, review) };
    }
  }
  m = /^\/pulls\/(\d+)\/comments\/(\d+)\/replies$/.exec(rest);
  if (m && method === 'POST') {
    const parent = repo.reviewComments.find((each) => each.id === Number(m![2]));
    if (!parent || parent.pull !== Number(m[1])) return { status: 404, body: { message: 'Not Found' } };
    const reply: FakeReviewComment = {
      id: ctx.nextId(),
      pull: parent.pull,
      body: String(body.body),
      user: BOT,
      ...(parent.path === undefined ? {} : { path: parent.path }),
      ...(parent.line === undefined ? {} : { line: parent.line }),
      inReplyTo: parent.id,
    };
    repo.reviewComments.push(reply);
    return { status: 201, body: reviewCommentJson(slug, reply) };
  }
  return null;
}
