import { createHash, timingSafeEqual } from 'node:crypto';
import { findRegisteredRepo } from '../sessions/registered-repos.ts';
import { signedDeliveryKey } from './claim-delivery-keys.ts';
import { actOnceOnDelivery, type DeliveryResult, followUpOnPull } from './forge-delivery.ts';
import { forgeKey } from './forge-link.ts';
import { allowed, permittedToStart } from './github-permission.ts';
import { DEFAULT_GITLAB_SETTINGS, decideGitlabEvent } from './gitlab-events.ts';
import { recordPullClosed } from './pull-closed.ts';
import { findingOfComment, listReviewLinks } from './review-link.ts';
import { fixFinding, requestReview } from './review-requests.ts';
import { startWork } from './start-work.ts';
import type { TriggerDeps } from './trigger-deps.ts';

/**
 * Whether `X-Gitlab-Token` is the webhook's secret token. GitLab sends the token itself (it signs
 * nothing), so both sides are hashed first and compared in constant time: neither the content nor the
 * length of the secret shows in how long a wrong guess takes. Null when it matches, else the problem.
 */
export function gitlabTokenProblem(
  secret: string,
  header: string | undefined,
): 'missing_signature' | 'bad_signature' | null {
  if (!header) return 'missing_signature';
  const expected = createHash('sha256').update(secret).digest();
  const given = createHash('sha256').update(header).digest();
  return timingSafeEqual(expected, given) ? null : 'bad_signature';
}

export interface GitlabDelivery {
  /** `X-Gitlab-Event`: `Note Hook`, `Issue Hook`, `Merge Request Hook`, `Pipeline Hook`. */
  event: string;
  /** `X-Gitlab-Event-UUID`: the same on a retry of the delivery. */
  uuid: string | undefined;
  /** `Idempotency-Key`, which newer GitLab sends and keeps across retries. */
  idempotencyKey: string | undefined;
  payload: unknown;
  rawBody: Uint8Array;
}

/**
 * Acts on one verified GitLab delivery at most once: known by its body's hash (a captured body replayed
 * under a fresh UUID is a duplicate), by `X-Gitlab-Event-UUID` and by `Idempotency-Key`. A duplicate
 * returns what the first did.
 */
export async function handleGitlabDelivery(
  deps: TriggerDeps,
  delivery: GitlabDelivery,
): Promise<DeliveryResult> {
  const keys = [
    signedDeliveryKey(delivery.rawBody),
    ...(delivery.uuid ? [`uuid:${delivery.uuid}`] : []),
    ...(delivery.idempotencyKey ? [`idempotency:${delivery.idempotencyKey}`] : []),
  ];
  return actOnceOnDelivery(
    deps,
    {
      source: 'gitlab',
      keys,
      deliveryId: delivery.uuid ?? delivery.idempotencyKey ?? null,
      event: delivery.event,
      ...gitlabSender(delivery.payload),
    },
    () => act(deps, delivery.event, delivery.payload),
  );
}

async function act(
  deps: TriggerDeps,
  event: string,
  payload: unknown,
): Promise<Omit<DeliveryResult, 'duplicate'>> {
  const decision = decideGitlabEvent(event, payload, deps.gitlab ?? DEFAULT_GITLAB_SETTINGS);
  if (decision.action === 'ignore') return { outcome: `ignored: ${decision.reason}`, sessionId: null };
  const forge = deps.forge;
  if (!forge) return { outcome: 'ignored: no GitLab forge is configured', sessionId: null };
  const { store } = deps.sessions;

  if (decision.action === 'pipeline') {
    if (!deps.checkCommit) return { outcome: 'ignored: CI follow-up is off', sessionId: null };
    const sessionId = await deps.checkCommit(decision.repo, decision.sha, decision.mergeRequests);
    return sessionId
      ? { outcome: 'checks_read', sessionId }
      : { outcome: 'ignored: not a commit drydock pushed', sessionId: null };
  }
  if (decision.action === 'closed') {
    const { repo, mergeRequest: number, url, merged } = decision;
    const sessionId = await recordPullClosed(store, {
      repo,
      number,
      url,
      merged,
      by: `gitlab:${decision.by}`,
    });
    if (!sessionId) return { outcome: 'ignored: not a drydock merge request', sessionId: null };
    return { outcome: merged ? 'pull_merged' : 'pull_closed', sessionId };
  }
  if (decision.action === 'review') {
    const { repo, mergeRequest, requester } = decision;
    const outcome = await requestReview(deps, { ...decision, number: mergeRequest });
    if (outcome.refused) await refuse(deps, repo, mergeRequest, 'pull', requester);
    return { outcome: outcome.outcome, sessionId: outcome.sessionId };
  }
  if (decision.action === 'fix_finding') {
    const { repo, mergeRequest, requester } = decision;
    const links = await listReviewLinks(store, repo, mergeRequest);
    // The note names its discussion; drydock's findings are known by the discussion's first note.
    const start =
      links.length > 0 ? await forge.reviews?.threadStart?.(repo, mergeRequest, decision.noteId) : null;
    const finding = start ? findingOfComment(links, start) : null;
    if (start && finding) {
      const outcome = await fixFinding(deps, {
        repo,
        number: mergeRequest,
        commentId: start,
        requester,
        finding,
      });
      if (outcome.refused) await refuse(deps, repo, mergeRequest, 'pull', requester);
      return { outcome: outcome.outcome, sessionId: outcome.sessionId };
    }
    // Not one of drydock's findings: on drydock's own merge request it is a follow-up like any other note.
  }
  if (decision.action === 'follow_up' || decision.action === 'fix_finding') {
    const link = await store.findLink(forgeKey(decision.repo, decision.mergeRequest, 'pull'));
    if (!link) return { outcome: 'ignored: not a drydock merge request', sessionId: null };
    if (!(await allowed(deps, decision.repo, decision.requester))) {
      await refuse(deps, decision.repo, decision.mergeRequest, 'pull', decision.requester);
      return { outcome: `ignored: ${decision.requester} has no write access`, sessionId: link.sessionId };
    }
    return followUpOnPull(
      deps,
      { repo: decision.repo, number: decision.mergeRequest, sessionId: link.sessionId },
      `${decision.text}\n\n(from @${decision.requester} on GitLab)`,
      { id: `gitlab:${decision.requester}`, name: decision.requester },
    );
  }
  // Only registered projects get sessions (or a word from drydock); checked before any call to GitLab.
  if (!(await findRegisteredRepo(store, decision.repo))) {
    return { outcome: `ignored: ${decision.repo} is not a registered repository`, sessionId: null };
  }
  const permitted = await permittedToStart(deps, {
    repo: decision.repo,
    issue: decision.issue,
    task: decision.task,
    user: decision.requester,
  });
  if (typeof permitted === 'object') {
    return { outcome: `failed: ${permitted.failed.reason}`, sessionId: permitted.failed.id };
  }
  if (!permitted) {
    await refuse(deps, decision.repo, decision.issue, 'issue', decision.requester);
    return { outcome: `ignored: ${decision.requester} has no write access`, sessionId: null };
  }
  const session = await startWork(deps, {
    repo: decision.repo,
    task: decision.task,
    requester: decision.requester,
    issue: decision.issue,
    createdBy: { id: `gitlab:${decision.requester}`, name: decision.requester },
    ...(decision.playbook ? { playbook: { ...decision.playbook, orTask: true } } : {}),
  });
  return {
    outcome: session.state === 'failed' ? `failed: ${session.reason}` : 'started',
    sessionId: session.id,
  };
}

/** Says on the issue or merge request why drydock will not act (best effort: the outcome says it too). */
async function refuse(
  deps: TriggerDeps,
  repo: string,
  number: number,
  on: 'issue' | 'pull',
  username: string,
): Promise<void> {
  await deps.forge
    ?.comment(
      repo,
      number,
      `@${username} drydock takes work only from members with the Developer role or above on this project.`,
      on,
    )
    .catch(() => {});
}

/** Who sent a GitLab delivery (`user.username`, which every hook drydock reads carries), for the audit log. */
function gitlabSender(payload: unknown): { actor?: { id: string; name: string } } {
  const user = (payload as { user?: { username?: unknown } } | null)?.user;
  return typeof user?.username === 'string'
    ? { actor: { id: `gitlab:${user.username}`, name: user.username } }
    : {};
}
