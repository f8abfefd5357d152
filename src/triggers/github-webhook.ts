import { describeError, isForgeError } from '../core/errors.ts';
import type { ForgePullRequest } from '../core/ports/forge.ts';
import { createFailedSession } from '../sessions/failed-session.ts';
import { sendMessage } from '../sessions/follow-ups.ts';
import { findRegisteredRepo } from '../sessions/registered-repos.ts';
import { parseCheckEvent } from './ci-follow-up.ts';
import { claimDeliveryKeys, signedDeliveryKey } from './claim-delivery-keys.ts';
import { forgeKey } from './forge-link.ts';
import { decideGithubEvent, mayTrigger } from './github-events.ts';
import { findingOfComment, listReviewLinks } from './review-link.ts';
import { startPullReview } from './start-review.ts';
import { startWork } from './start-work.ts';
import { sessionUrl, type TriggerDeps } from './trigger-deps.ts';

export interface DeliveryResult {
  /** `started`, `follow_up`, `ignored: <why>`, `failed: <why>`. */
  outcome: string;
  sessionId: string | null;
  /** A redelivery: nothing new was done. */
  duplicate: boolean;
}

/**
 * Acts on one verified GitHub delivery at most once. GitHub signs only the body, so a delivery is
 * known by its body's hash (a captured body replayed under a fresh X-GitHub-Delivery is a duplicate)
 * and by X-GitHub-Delivery (a redelivery carries the same id and body; ids recorded before the body
 * hash was keep working). A duplicate returns what the first did. Ignored deliveries are recorded
 * too, so a redelivery is cheap.
 */
export async function handleGithubDelivery(
  deps: TriggerDeps,
  delivery: { id: string; event: string; payload: unknown; rawBody: Uint8Array },
): Promise<DeliveryResult> {
  const claim = await claimDeliveryKeys(deps.sessions.store, 'github', [
    signedDeliveryKey(delivery.rawBody),
    delivery.id,
  ]);
  if (!claim.claimed) {
    return { outcome: claim.delivery.outcome, sessionId: claim.delivery.sessionId, duplicate: true };
  }
  let result: Omit<DeliveryResult, 'duplicate'>;
  try {
    result = await act(deps, delivery.event, delivery.payload);
  } catch (error) {
    result = { outcome: `failed: ${describeError(error)}`, sessionId: null };
    await claim.finish(result);
    throw error;
  }
  await claim.finish(result);
  return { ...result, duplicate: false };
}

async function act(
  deps: TriggerDeps,
  event: string,
  payload: unknown,
): Promise<Omit<DeliveryResult, 'duplicate'>> {
  const check = parseCheckEvent(event, payload);
  if (check) {
    if (!deps.checkCommit) return { outcome: 'ignored: CI follow-up is off', sessionId: null };
    const sessionId = await deps.checkCommit(check.repo, check.sha, check.pulls);
    return sessionId
      ? { outcome: 'checks_read', sessionId }
      : { outcome: 'ignored: not a commit drydock pushed', sessionId: null };
  }
  const decision = decideGithubEvent(event, payload, deps.github);
  if (decision.action === 'ignore') return { outcome: `ignored: ${decision.reason}`, sessionId: null };
  const forge = deps.forge;
  if (!forge) return { outcome: 'ignored: no GitHub forge is configured', sessionId: null };

  if (decision.action === 'review') return review(deps, decision);
  if (decision.action === 'fix_finding') {
    const links = await listReviewLinks(deps.sessions.store, decision.repo, decision.number);
    const finding = findingOfComment(links, decision.commentId);
    if (finding) return fixFinding(deps, { ...decision, finding });
    // Not one of drydock's findings: on drydock's own pull request it is a follow-up like any other.
  }

  if (decision.action === 'follow_up' || decision.action === 'fix_finding') {
    const link = await deps.sessions.store.findLink(forgeKey(decision.repo, decision.number));
    if (!link) return { outcome: 'ignored: not a drydock pull request', sessionId: null };
    if (!(await allowed(deps, decision.repo, decision.requester))) {
      return { outcome: `ignored: ${decision.requester} has no write access`, sessionId: link.sessionId };
    }
    await sendMessage(
      deps.sessions.store,
      link.sessionId,
      `${decision.text}\n\n(from @${decision.requester} on GitHub)`,
    );
    deps.watch(link.sessionId);
    deps.wake(link.sessionId);
    return { outcome: 'follow_up', sessionId: link.sessionId };
  }

  // Only registered repositories get sessions (or a word from drydock); checked before any call to GitHub.
  if (!(await findRegisteredRepo(deps.sessions.store, decision.repo))) {
    return { outcome: `ignored: ${decision.repo} is not a registered repository`, sessionId: null };
  }
  let permitted: boolean;
  try {
    permitted = await allowed(deps, decision.repo, decision.requester);
  } catch (error) {
    // drydock cannot even read the permission: start anyway so the session fails visibly with why.
    if (!isForgeError(error, 'forge_no_access')) throw error;
    permitted = true;
  }
  if (!permitted) return { outcome: `ignored: ${decision.requester} has no write access`, sessionId: null };
  const session = await startWork(deps, {
    repo: decision.repo,
    task: decision.task,
    requester: decision.requester,
    issue: decision.number,
    createdBy: { id: `github:${decision.requester}`, name: decision.requester },
    ...(decision.requestedBy ? { requestedBy: decision.requestedBy } : {}),
  });
  return {
    outcome: session.state === 'failed' ? `failed: ${session.reason}` : 'started',
    sessionId: session.id,
  };
}

type Outcome = Omit<DeliveryResult, 'duplicate'>;

/**
 * A pull request to review (docs/review.md): on a registered repository; automatically (a pull request event)
 * only where review is turned on and never on drydock's own pull requests (it reviewed those before it
 * delivered them); on request (`@drydock review`) from someone who can write to the repository.
 */
async function review(
  deps: TriggerDeps,
  decision: { repo: string; number: number; requester: string; automatic: boolean },
): Promise<Outcome> {
  const { repo, number, requester, automatic } = decision;
  const registered = await findRegisteredRepo(deps.sessions.store, repo);
  if (!registered) return { outcome: `ignored: ${repo} is not a registered repository`, sessionId: null };
  if (automatic && !registered.review.pullRequests) {
    return { outcome: `ignored: reviewing pull requests is off for ${repo}`, sessionId: null };
  }
  if (automatic && (await deps.sessions.store.findLink(forgeKey(repo, number)))) {
    return { outcome: 'ignored: a drydock pull request (reviewed before delivery)', sessionId: null };
  }
  const reviews = deps.forge?.reviews;
  if (!reviews) return { outcome: 'ignored: this forge does not review pull requests', sessionId: null };
  if (!automatic && !(await permittedOrUnknown(deps, repo, requester))) {
    return { outcome: `ignored: ${requester} has no write access`, sessionId: null };
  }
  const session = await startPullReview(deps, reviews, {
    repo,
    pull: number,
    requester: automatic ? 'automatic' : requester,
    createdBy: { id: `github:${requester}`, name: requester },
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
async function fixFinding(
  deps: TriggerDeps,
  request: {
    repo: string;
    number: number;
    commentId: number;
    requester: string;
    finding: { file: string; line?: number; severity: string; explanation: string; suggestedFix?: string };
  },
): Promise<Outcome> {
  const { repo, number, requester, finding } = request;
  const reviews = deps.forge?.reviews;
  if (!reviews) return { outcome: 'ignored: this forge does not review pull requests', sessionId: null };
  if (!(await findRegisteredRepo(deps.sessions.store, repo))) {
    return { outcome: `ignored: ${repo} is not a registered repository`, sessionId: null };
  }
  if (!(await permittedOrUnknown(deps, repo, requester))) {
    return { outcome: `ignored: ${requester} has no write access`, sessionId: null };
  }
  const where = finding.line ? `${finding.file}:${finding.line}` : finding.file;
  let pull: ForgePullRequest;
  try {
    pull = await reviews.getPullRequest(repo, number);
  } catch (error) {
    if (!isForgeError(error)) throw error;
    // A verified request for work leaves a session, failed with why, even when GitHub will not answer.
    const failed = await createFailedSession(deps.sessions, {
      task: `Fix this review finding on pull request #${number}: ${finding.severity} at ${where}: ${finding.explanation}`,
      repo,
      model: deps.defaultModel,
      code: error.code,
      reason: describeError(error),
    });
    return { outcome: `failed: ${failed.reason}`, sessionId: failed.id };
  }
  const sameRepo = pull.headRepo?.toLowerCase() === repo.toLowerCase();
  if (pull.headRepo === null || (!sameRepo && !pull.maintainerCanModify)) {
    const why =
      pull.headRepo === null
        ? 'the branch of this pull request is gone'
        : `this pull request's branch is in ${pull.headRepo}, and its author does not allow edits by maintainers`;
    await reviews.replyToReviewComment(
      repo,
      number,
      request.commentId,
      `drydock cannot fix this here: ${why}, so it cannot push the fix. Allow edits by maintainers on the pull request, or apply the suggested fix yourself.`,
    );
    return { outcome: `ignored: ${why}`, sessionId: null };
  }
  const task = [
    `Fix this review finding on pull request #${number} (${pull.title}), branch ${pull.headRef}:`,
    `${finding.severity} at ${where}: ${finding.explanation}`,
    ...(finding.suggestedFix ? [`Suggested fix: ${finding.suggestedFix}`] : []),
    `Pull request: ${pull.url}`,
  ].join('\n\n');
  const session = await startWork(deps, {
    repo,
    task,
    requester,
    createdBy: { id: `github:${requester}`, name: requester },
    pullRequest: { number, branch: pull.headRef, headRepo: pull.headRepo },
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

/** Whether `user` may ask; when drydock cannot even read the permission, yes, so the session fails visibly. */
async function permittedOrUnknown(deps: TriggerDeps, repo: string, user: string): Promise<boolean> {
  try {
    return await allowed(deps, repo, user);
  } catch (error) {
    if (!isForgeError(error, 'forge_no_access')) throw error;
    return true;
  }
}

async function allowed(deps: TriggerDeps, repo: string, user: string): Promise<boolean> {
  return mayTrigger(await deps.forge!.permission(repo, user));
}
