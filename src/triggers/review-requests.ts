import { describeError, isForgeError } from '../core/errors.ts';
import { parseForgeRepo } from '../core/forge-repo.ts';
import type { ForgePullRequest } from '../core/ports/forge.ts';
import type { SessionCreator } from '../core/session.ts';
import { createFailedSession } from '../sessions/failed-session.ts';
import { findRegisteredRepo } from '../sessions/registered-repos.ts';
import { forgeKey } from './forge-link.ts';
import { permittedOrUnknown } from './github-permission.ts';
import type { PostedFinding } from './review-link.ts';
import { capitalized, pullName, startPullReview } from './start-review.ts';
import { startWork } from './start-work.ts';
import { sessionUrl, type TriggerDeps } from './trigger-deps.ts';

/** What a GitHub or GitLab delivery did: see DeliveryResult (github-webhook.ts). */
export interface ReviewOutcome {
  outcome: string;
  sessionId: string | null;
  /** The requester may not ask (below Developer, or no write access): the caller may say so where they asked. */
  refused?: boolean;
}

/** Who started a session from a forge request: `github:<login>`, `gitlab:<username>`. Pure. */
export function forgeCreator(repo: string, user: string): SessionCreator {
  return { id: `${parseForgeRepo(repo)?.kind ?? 'github'}:${user}`, name: user };
}

/**
 * A pull request to review (docs/review.md): on a registered repository; automatically (a pull request event)
 * only where review is turned on and never on drydock's own pull requests (it reviewed those before it
 * delivered them); on request (`@drydock review`) from someone who can write to the repository.
 */
export async function requestReview(
  deps: TriggerDeps,
  decision: { repo: string; number: number; requester: string; automatic: boolean },
): Promise<ReviewOutcome> {
  const { repo, number, requester, automatic } = decision;
  const registered = await findRegisteredRepo(deps.sessions.store, repo);
  if (!registered) return { outcome: `ignored: ${repo} is not a registered repository`, sessionId: null };
  if (automatic && !registered.review.pullRequests) {
    return { outcome: `ignored: reviewing pull requests is off for ${repo}`, sessionId: null };
  }
  if (automatic && (await deps.sessions.store.findLink(forgeKey(repo, number, 'pull')))) {
    return { outcome: 'ignored: a drydock pull request (reviewed before delivery)', sessionId: null };
  }
  const reviews = deps.forge?.reviews;
  if (!reviews) return { outcome: 'ignored: this forge does not review pull requests', sessionId: null };
  if (!automatic && !(await permittedOrUnknown(deps, repo, requester))) {
    return { outcome: `ignored: ${requester} has no write access`, sessionId: null, refused: true };
  }
  const session = await startPullReview(deps, reviews, {
    repo,
    pull: number,
    requester: automatic ? 'automatic' : requester,
    createdBy: forgeCreator(repo, requester),
    acknowledge: !automatic,
  });
  return {
    outcome: session.state === 'failed' ? `failed: ${session.reason}` : 'review_started',
    sessionId: session.id,
  };
}

/**
 * `@drydock fix this` on one of drydock's review comments: a session on the pull request's own branch to
 * fix that finding, when drydock may push there (the branch is in the repository, or its fork's author lets
 * maintainers push); else drydock says why in the thread.
 */
export async function fixFinding(
  deps: TriggerDeps,
  request: {
    repo: string;
    number: number;
    commentId: number;
    requester: string;
    finding: PostedFinding;
  },
): Promise<ReviewOutcome> {
  const { repo, number, requester, finding } = request;
  const reviews = deps.forge?.reviews;
  if (!reviews) return { outcome: 'ignored: this forge does not review pull requests', sessionId: null };
  if (!(await findRegisteredRepo(deps.sessions.store, repo))) {
    return { outcome: `ignored: ${repo} is not a registered repository`, sessionId: null };
  }
  if (!(await permittedOrUnknown(deps, repo, requester))) {
    return { outcome: `ignored: ${requester} has no write access`, sessionId: null, refused: true };
  }
  const gitlab = parseForgeRepo(repo)?.kind === 'gitlab';
  const where = finding.line ? `${finding.file}:${finding.line}` : finding.file;
  let pull: ForgePullRequest;
  try {
    pull = await reviews.getPullRequest(repo, number);
  } catch (error) {
    if (!isForgeError(error)) throw error;
    // A verified request for work leaves a session, failed with why, even when the forge will not answer.
    const failed = await createFailedSession(deps.sessions, {
      task: `Fix this review finding on ${pullName(repo, number)}: ${finding.severity} at ${where}: ${finding.explanation}`,
      repo,
      model: deps.defaultModel,
      code: error.code,
      reason: describeError(error),
    });
    return { outcome: `failed: ${failed.reason}`, sessionId: failed.id };
  }
  const sameRepo = pull.headRepo?.toLowerCase() === repo.toLowerCase();
  if (pull.headRepo === null || (!sameRepo && !pull.maintainerCanModify)) {
    // GitLab's names for the same things: a merge request, and commits from members who can merge.
    const kind = gitlab ? 'merge request' : 'pull request';
    const allow = gitlab
      ? 'allow commits from members who can merge to the target branch'
      : 'allow edits by maintainers';
    const why =
      pull.headRepo === null
        ? `the branch of this ${kind} is gone`
        : `this ${kind}'s branch is in ${pull.headRepo}, and its author does not ${allow}`;
    await reviews.replyToReviewComment(
      repo,
      number,
      request.commentId,
      `drydock cannot fix this here: ${why}, so it cannot push the fix. ${capitalized(allow)} on the ${kind}, or apply the suggested fix yourself.`,
    );
    return { outcome: `ignored: ${why}`, sessionId: null };
  }
  const task = [
    `Fix this review finding on ${pullName(repo, number)} (${pull.title}), branch ${pull.headRef}:`,
    `${finding.severity} at ${where}: ${finding.explanation}`,
    ...(finding.suggestedFix ? [`Suggested fix: ${finding.suggestedFix}`] : []),
    `${gitlab ? 'Merge request' : 'Pull request'}: ${pull.url}`,
  ].join('\n\n');
  const session = await startWork(deps, {
    repo,
    task,
    requester,
    createdBy: forgeCreator(repo, requester),
    pullRequest: { number, branch: pull.headRef, headRepo: pull.headRepo, fixes: finding.key },
  });
  const url = sessionUrl(deps, session.id);
  await reviews
    .replyToReviewComment(
      repo,
      number,
      request.commentId,
      session.state === 'failed'
        ? `drydock could not start: ${session.reason} (${url})`
        : `drydock is fixing this on ${pull.headRef}: ${url}`,
    )
    .catch(() => {});
  return {
    outcome: session.state === 'failed' ? `failed: ${session.reason}` : 'started',
    sessionId: session.id,
  };
}
