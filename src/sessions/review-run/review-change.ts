import type { ChangeReview } from '../../core/change-review.ts';
import type { Session } from '../../core/session.ts';
import { type RunOptions, runSession } from '../run-session.ts';
import type { SessionDeps } from '../session-deps.ts';
import { createReviewSession, type ReviewRequest } from './create-review-session.ts';
import { readChangeReview } from './read-change-review.ts';

export interface ReviewOutcome {
  /** The review session as it ended: `delivered` with a review, else why not (bowed_out, failed, cancelled). */
  session: Session;
  /** The review, when the session completed one. */
  review: ChangeReview | null;
}

/**
 * Reviews base..head of a local repository in this process: a `review` session created, run to its
 * end (its sandbox from the repository's environment, its own event log and cost) and its review read
 * back. What `drydock review` runs; a forge trigger creates the session the same way
 * (createReviewSession) and hands it to a worker. Bad input throws before anything is written.
 */
export async function reviewChange(
  deps: SessionDeps,
  request: ReviewRequest,
  options: RunOptions & { onCreated?(session: Session): void } = {},
): Promise<ReviewOutcome> {
  const created = await createReviewSession(deps, request);
  options.onCreated?.(created);
  const session = await runSession(deps, created.id, options);
  return { session, review: await readChangeReview(deps.store, session.id) };
}
