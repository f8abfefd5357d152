import { isForgeError } from '../core/errors.ts';
import type { EventBus } from '../core/ports/event-bus.ts';
import type { Forge, PostedReview, PullRequestReviews } from '../core/ports/forge.ts';
import type { Store } from '../core/ports/store.ts';
import { isTerminal } from '../core/session-state.ts';
import { readChangeReview } from '../sessions/review-run/read-change-review.ts';
import { reviewedDiff } from '../sessions/review-run/review-diff.ts';
import {
  commentableLines,
  findingCommentBody,
  findingKey,
  keyOfComment,
  planReview,
  summaryBody,
} from './review-comments.ts';
import {
  latestPublished,
  listReviewLinks,
  type PostedFinding,
  REVIEW_LINK_PREFIX,
  type ReviewLinkData,
  readReviewLink,
  reviewLinkJson,
  reviewsThatPosted,
} from './review-link.ts';
import { createSessionQueue, createSessionSubscriptions } from './session-queue.ts';
import { sessionUrl } from './trigger-deps.ts';

export interface ReviewPublisherDeps {
  store: Store;
  forge: Forge & { reviews: PullRequestReviews };
  bus: EventBus;
  publicUrl: string;
  onError?: (error: unknown, sessionId: string) => void;
}

export interface ReviewPublisher {
  /** Follows a review session of a pull request and posts its review when it ends. Idempotent. */
  watch(sessionId: string): void;
  /** Posts whatever the review session has not posted yet. */
  publish(sessionId: string): Promise<void>;
  /** Watches every pull request review not posted yet: after a restart. */
  start(): Promise<void>;
  /** Resolves when the publications in flight finished (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

/**
 * Takes a pull request's review session to its forge (GitHub, GitLab) when it ends (docs/review.md): the
 * first review of a pull request is one review with inline comments on the diff's lines and the summary as its body; a later review
 * (a new push) edits that summary, comments only findings not commented before, and resolves the threads of
 * findings that are gone (or, when the thread cannot be resolved, says in it which commit fixed it). A review
 * that could not complete is reported on the pull request once. Publications run one at a time, so two
 * reviews of one pull request never race for its summary.
 */
/** The one queue key of review publications: they run one after another, whatever their session. */
const ALL_REVIEWS = 'all';

export function createReviewPublisher(deps: ReviewPublisherDeps): ReviewPublisher {
  const subscriptions = createSessionSubscriptions(deps.bus);
  const queue = createSessionQueue();
  const { store, forge } = deps;
  const reviews = forge.reviews;

  async function publish(sessionId: string): Promise<void> {
    const session = await store.getSession(sessionId);
    if (!session) return;
    const own = (await store.listLinks({ sessionId })).find((link) =>
      link.key.startsWith(REVIEW_LINK_PREFIX),
    );
    const data = own ? readReviewLink(own) : null;
    if (!own || !data || data.reviewId !== undefined || data.superseded) return;
    const url = sessionUrl(deps, session.id);
    const save = (next: ReviewLinkData) => store.linkSession(own.key, session.id, reviewLinkJson(next));

    if (session.state === 'bowed_out' || session.state === 'failed') {
      const ending = `${session.state}@${session.updatedAt}`;
      if (data.reported === ending) return;
      await forge.comment(
        data.repo,
        data.pull,
        `drydock could not review ${data.headSha.slice(0, 12)}: ${session.reason ?? 'see the session'}\n\n${url}`,
        'pull',
      );
      await save({ ...data, reported: ending });
      return;
    }
    if (session.state !== 'delivered' || session.baseCommit === null || session.headCommit === null) return;
    const review = await readChangeReview(store, session.id);
    if (!review) return;
    const links = await listReviewLinks(store, data.repo, data.pull);
    // A newer review of the pull request was posted already (reviews of two quick pushes ended out of order):
    // this one would put an older head's findings over it.
    const at = links.findIndex((each) => each.link.sessionId === session.id);
    if (links.slice(at + 1).some((each) => each.data.reviewId !== undefined)) {
      await save({ ...data, superseded: true });
      return;
    }
    const previous = latestPublished(links, session.id);
    const plan = planReview(
      review.findings,
      commentableLines(await reviewedDiff(session)),
      previous?.findings ?? null,
    );
    const head = session.headCommit;
    const posted: PostedFinding[] = [...plan.kept];
    const inBody = [...plan.inBody];
    const bodyNow = () =>
      summaryBody({
        review,
        headSha: head,
        inBody,
        inlineCount: posted.length,
        fixed: plan.gone,
        sessionUrl: url,
      });

    let reviewId: number;
    let reviewUrl: string | undefined;
    if (previous?.reviewId !== undefined) {
      for (const gone of plan.gone) if (gone.commentId !== null) await resolve(data, gone.commentId, head);
      for (const finding of plan.inline) {
        try {
          const id = await reviews.createReviewComment(data.repo, data.pull, {
            commitId: head,
            path: finding.file,
            line: finding.line,
            body: findingCommentBody(finding),
          });
          posted.push({ ...postedOf(finding), commentId: id });
        } catch (error) {
          // The forge refused the line (its diff is not quite ours): the finding goes into the summary instead.
          if (!isForgeError(error, 'forge_failed') || error.transient) throw error;
          inBody.push(finding);
        }
      }
      reviewId = previous.reviewId;
      reviewUrl = previous.reviewUrl;
      try {
        await reviews.updateReview(data.repo, data.pull, reviewId, bodyNow());
      } catch (error) {
        // The summary is gone (deleted with its review): post it afresh rather than not at all.
        if (!isForgeError(error, 'forge_no_access')) throw error;
        const fresh = await reviews.createReview(data.repo, data.pull, {
          commitId: head,
          body: bodyNow(),
          comments: [],
        });
        reviewId = fresh.id;
        reviewUrl = fresh.url;
      }
    } else {
      const inline = plan.inline;
      let created: PostedReview;
      try {
        posted.push(...inline.map((finding) => ({ ...postedOf(finding), commentId: null })));
        created = await reviews.createReview(data.repo, data.pull, {
          commitId: head,
          body: bodyNow(),
          comments: inline.map((finding) => ({
            path: finding.file,
            line: finding.line,
            body: findingCommentBody(finding),
          })),
        });
      } catch (error) {
        // The forge refused a comment's line (its diff is not quite ours): one review, every finding in its body.
        if (inline.length === 0 || !isForgeError(error, 'forge_failed') || error.transient) throw error;
        posted.length = 0;
        inBody.push(...inline);
        created = await reviews.createReview(data.repo, data.pull, {
          commitId: head,
          body: bodyNow(),
          comments: [],
        });
      }
      reviewId = created.id;
      reviewUrl = created.url;
      const ids = new Map(created.comments.map((comment) => [keyOfComment(comment.body), comment.id]));
      for (const each of posted) each.commentId = ids.get(each.key) ?? null;
    }
    // Before the save: a publication cut short runs again, and analytics count a key recorded twice once.
    for (const earlier of reviewsThatPosted(
      links,
      plan.gone.map((gone) => gone.key),
      session.id,
    )) {
      await store.record(earlier.sessionId, {
        events: [
          { type: 'review.findings_resolved', keys: earlier.keys, how: 'gone', by: session.id, commit: head },
        ],
      });
    }
    const listed = inBody.map((finding) => ({ ...postedOf(finding), commentId: null }));
    await save({ ...data, reviewId, ...(reviewUrl ? { reviewUrl } : {}), findings: [...posted, ...listed] });
  }

  /** Resolves a fixed finding's thread; where the forge will not, says in the thread which commit fixed it. */
  async function resolve(data: ReviewLinkData, commentId: number, head: string): Promise<void> {
    const resolved = await reviews.resolveReviewThread(data.repo, data.pull, commentId).catch(() => false);
    if (!resolved) {
      await reviews.replyToReviewComment(data.repo, data.pull, commentId, `Fixed in ${head.slice(0, 12)}.`);
    }
  }

  /** One publication at a time, of any session's review; failures are reported, never thrown at the bus. */
  const schedule = (sessionId: string): Promise<void> =>
    queue.enqueue(ALL_REVIEWS, () =>
      publish(sessionId).catch((error: unknown) => deps.onError?.(error, sessionId)),
    );

  return {
    watch(sessionId) {
      subscriptions.watch(sessionId, (event) => {
        if (event.data.type === 'state.changed' && isTerminal(event.data.to)) void schedule(sessionId);
      });
    },
    publish: (sessionId) => schedule(sessionId),
    async start() {
      for (const link of await store.listLinks({ prefix: REVIEW_LINK_PREFIX })) {
        const data = readReviewLink(link);
        if (!data || data.reviewId !== undefined || data.superseded) continue;
        this.watch(link.sessionId);
        void schedule(link.sessionId);
      }
    },
    idle: () => queue.idle(),
    stop: () => subscriptions.stop(),
  };
}

function postedOf(finding: {
  file: string;
  line?: number;
  severity: string;
  explanation: string;
  suggestedFix?: string;
}): Omit<PostedFinding, 'commentId'> {
  return {
    key: findingKey(finding),
    file: finding.file,
    ...(finding.line === undefined ? {} : { line: finding.line }),
    severity: finding.severity,
    explanation: finding.explanation,
    ...(finding.suggestedFix === undefined ? {} : { suggestedFix: finding.suggestedFix }),
  };
}
