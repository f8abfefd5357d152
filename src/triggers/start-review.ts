import { join } from 'node:path';
import { describeError, isBadInput, isForgeError } from '../core/errors.ts';
import { parseForgeRepo } from '../core/forge-repo.ts';
import type { PullRequestReviews } from '../core/ports/forge.ts';
import type { Session, SessionCreator } from '../core/session.ts';
import { createFailedSession } from '../sessions/failed-session.ts';
import { createReviewSession } from '../sessions/review-run/create-review-session.ts';
import { type ReviewLinkData, reviewLinkJson, reviewLinkKey } from './review-link.ts';
import { cloneDir } from './start-work.ts';
import { sessionUrl, type TriggerDeps } from './trigger-deps.ts';

/** How the forge writes a pull request's name: `pull request #7` on GitHub, `merge request !7` on GitLab. Pure. */
export function pullName(repo: string, number: number): string {
  return parseForgeRepo(repo)?.kind === 'gitlab' ? `merge request !${number}` : `pull request #${number}`;
}

export const capitalized = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

export interface PullReviewRequest {
  /** `owner/name` as GitHub spells it, or `gitlab:<path>` (core/forge-repo.ts). */
  repo: string;
  /** The pull request's number, or the merge request's iid. */
  pull: number;
  /** A login or username, or `automatic`. */
  requester: string;
  createdBy: SessionCreator;
  /** Say on the pull request that the review started (an `@drydock review` comment: someone waits for it). */
  acknowledge: boolean;
  /** The reviewer's model (`POST /api/reviews`); default the triggers' model. */
  model?: string;
}

/**
 * Starts a review session of a pull request or merge request (docs/review.md): the control plane's clone is
 * synced, the head fetched into it (`refs/pull/<n>/head` on GitHub, `refs/merge-requests/<iid>/head` on
 * GitLab, forks included: its code is only read by drydock's git and run in the sandbox), and a `review`
 * session created on `<base branch>..<head commit>` with the title and description. The review link ties the session to the pull request for the review publisher.
 * When that cannot be done (no access, a pull request with nothing to review) the session still exists,
 * failed with the reason, and the pull request hears about it if drydock can comment.
 */
export async function startPullReview(
  deps: TriggerDeps,
  reviews: PullRequestReviews,
  request: PullReviewRequest,
): Promise<Session> {
  const forge = deps.forge!;
  const { repo, pull } = request;
  const model = request.model ?? deps.defaultModel;
  const what = pullName(repo, pull);
  let session: Session;
  let headSha = '';
  let task = `Review ${what} of ${repo}`;
  try {
    const clone = join(deps.sessions.home, 'repos', ...cloneDir(repo));
    await forge.sync(repo, clone);
    const info = await reviews.getPullRequest(repo, pull);
    task = `Review ${what} of ${repo}: ${info.title}`;
    headSha = await reviews.fetchPullRequest(repo, pull, clone);
    session = await createReviewSession(deps.sessions, {
      repo: clone,
      base: info.baseRef,
      head: headSha,
      model,
      description: [`${capitalized(what)}: ${info.title}`, info.body.trim()].filter(Boolean).join('\n\n'),
      createdBy: request.createdBy,
    });
  } catch (error) {
    const known = isForgeError(error) || isBadInput(error) ? error : null;
    if (!known) throw error;
    session = await createFailedSession(deps.sessions, {
      task,
      repo,
      model,
      code: known.code,
      reason: describeError(known),
    });
  }
  const failed = session.state === 'failed';
  const link: ReviewLinkData = {
    review: true,
    repo,
    pull,
    requester: request.requester,
    headSha,
    // Reported below: the publisher does not say it again.
    ...(failed ? { reported: `${session.state}@${session.updatedAt}` } : {}),
  };
  await deps.sessions.store.linkSession(
    reviewLinkKey(repo, pull, session.id),
    session.id,
    reviewLinkJson(link),
  );
  const url = sessionUrl(deps, session.id);
  if (failed) {
    await forge
      .comment(repo, pull, `drydock could not review: ${session.reason} (${url})`, 'pull')
      .catch(() => {});
    return session;
  }
  deps.watchReview?.(session.id);
  deps.wake(session.id);
  if (request.acknowledge) {
    await forge
      .comment(repo, pull, `drydock is reviewing ${headSha.slice(0, 12)}: ${url}`, 'pull')
      .catch(() => {});
  }
  return session;
}
