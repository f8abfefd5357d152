import { describeError } from '../core/errors.ts';
import { findRegisteredRepo } from '../sessions/registered-repos.ts';
import { parseCheckEvent } from './ci-follow-up.ts';
import { claimDeliveryKeys, signedDeliveryKey } from './claim-delivery-keys.ts';
import { type DeliveryResult, followUpOnPull } from './forge-delivery.ts';
import { forgeKey } from './forge-link.ts';
import { decideGithubEvent } from './github-events.ts';
import { allowed, permittedToStart } from './github-permission.ts';
import { parsePullClosed, recordPullClosed } from './pull-closed.ts';
import { recordDelivery } from './record-delivery.ts';
import { findingOfComment, listReviewLinks } from './review-link.ts';
import { fixFinding, requestReview } from './review-requests.ts';
import { startWork } from './start-work.ts';
import type { TriggerDeps } from './trigger-deps.ts';

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
  const audit = (result: DeliveryResult) =>
    recordDelivery(deps.sessions.store, {
      source: 'github',
      deliveryId: delivery.id,
      ...githubSender(delivery.payload),
      ...result,
      details: { event: delivery.event },
    });
  if (!claim.claimed) {
    const duplicate = {
      outcome: claim.delivery.outcome,
      sessionId: claim.delivery.sessionId,
      duplicate: true,
    };
    await audit(duplicate);
    return duplicate;
  }
  let result: Omit<DeliveryResult, 'duplicate'>;
  try {
    result = await act(deps, delivery.event, delivery.payload);
  } catch (error) {
    result = { outcome: `failed: ${describeError(error)}`, sessionId: null };
    await claim.finish(result);
    await audit({ ...result, duplicate: false });
    throw error;
  }
  await claim.finish(result);
  await audit({ ...result, duplicate: false });
  return { ...result, duplicate: false };
}

/** The GitHub user a delivery came from (every webhook payload names its `sender`), as an audit actor. */
function githubSender(payload: unknown): { actor?: { id: string; name: string } } {
  if (typeof payload !== 'object' || payload === null || !('sender' in payload)) return {};
  const { sender } = payload;
  if (typeof sender !== 'object' || sender === null || !('login' in sender)) return {};
  return typeof sender.login === 'string'
    ? { actor: { id: `github:${sender.login}`, name: sender.login } }
    : {};
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
  // Before the sender checks: a merge bot or drydock itself may close a pull request, and it counts the same.
  const closed = parsePullClosed(event, payload);
  if (closed) {
    const sessionId = await recordPullClosed(deps.sessions.store, closed);
    if (sessionId) return { outcome: closed.merged ? 'pull_merged' : 'pull_closed', sessionId };
  }
  const decision = decideGithubEvent(event, payload, deps.github);
  if (decision.action === 'ignore') return { outcome: `ignored: ${decision.reason}`, sessionId: null };
  const forge = deps.forge;
  if (!forge) return { outcome: 'ignored: no GitHub forge is configured', sessionId: null };

  if (decision.action === 'review') return requestReview(deps, decision);
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
    return followUpOnPull(
      deps,
      { repo: decision.repo, number: decision.number, sessionId: link.sessionId },
      `${decision.text}\n\n(from @${decision.requester} on GitHub)`,
      { id: `github:${decision.requester}`, name: decision.requester },
    );
  }

  // Only registered repositories get sessions (or a word from drydock); checked before any call to GitHub.
  if (!(await findRegisteredRepo(deps.sessions.store, decision.repo))) {
    return { outcome: `ignored: ${decision.repo} is not a registered repository`, sessionId: null };
  }
  const permitted = await permittedToStart(deps, {
    repo: decision.repo,
    issue: decision.number,
    task: decision.task,
    user: decision.requester,
  });
  if (typeof permitted === 'object') {
    return { outcome: `failed: ${permitted.failed.reason}`, sessionId: permitted.failed.id };
  }
  if (!permitted) return { outcome: `ignored: ${decision.requester} has no write access`, sessionId: null };
  const session = await startWork(deps, {
    repo: decision.repo,
    task: decision.task,
    requester: decision.requester,
    issue: decision.number,
    createdBy: { id: `github:${decision.requester}`, name: decision.requester },
    ...(decision.requestedBy ? { requestedBy: decision.requestedBy } : {}),
    ...(decision.playbook ? { playbook: { ...decision.playbook, orTask: true } } : {}),
  });
  return {
    outcome: session.state === 'failed' ? `failed: ${session.reason}` : 'started',
    sessionId: session.id,
  };
}
