import { findRegisteredRepo } from '../sessions/registered-repos.ts';
import {
  type BitbucketActor,
  bitbucketActor,
  DEFAULT_BITBUCKET_SETTINGS,
  decideBitbucketEvent,
} from './bitbucket-events.ts';
import { signedDeliveryKey } from './claim-delivery-keys.ts';
import { actOnceOnDelivery, type DeliveryResult, followUpOnPull } from './forge-delivery.ts';
import { forgeKey } from './forge-link.ts';
import { allowed, permittedToStart } from './github-permission.ts';
import { recordPullClosed } from './pull-closed.ts';
import { type SignatureProblem, verifySignature } from './signature.ts';
import { startWork } from './start-work.ts';
import type { TriggerDeps } from './trigger-deps.ts';

/**
 * Whether `X-Hub-Signature` (`sha256=<hex HMAC-SHA256 of the raw body>` with the webhook's secret, which
 * Bitbucket Cloud sends only when the webhook has a secret) verifies, compared in constant time. Null when it does.
 */
export function bitbucketSignatureProblem(
  secret: string,
  rawBody: Uint8Array,
  signature: string | undefined,
): SignatureProblem {
  return verifySignature({ secret, rawBody, signature, prefix: 'sha256=' });
}

export interface BitbucketDelivery {
  /** `X-Event-Key`: `issue:comment_created`, `pullrequest:fulfilled`, `repo:commit_status_updated`, ... */
  event: string;
  /** `X-Request-UUID`: the same on Bitbucket's retries of the delivery. */
  id: string | undefined;
  payload: unknown;
  rawBody: Uint8Array;
}

/**
 * Acts on one verified Bitbucket Cloud delivery at most once: known by its body's hash (a captured body
 * replayed under a fresh request UUID is a duplicate) and by `X-Request-UUID`. A duplicate returns what the
 * first did.
 */
export async function handleBitbucketDelivery(
  deps: TriggerDeps,
  delivery: BitbucketDelivery,
): Promise<DeliveryResult> {
  const keys = [signedDeliveryKey(delivery.rawBody), ...(delivery.id ? [`request:${delivery.id}`] : [])];
  return actOnceOnDelivery(
    deps,
    {
      source: 'bitbucket',
      keys,
      deliveryId: delivery.id ?? null,
      event: delivery.event,
      ...bitbucketSender(delivery.payload),
    },
    () => act(deps, delivery.event, delivery.payload),
  );
}

async function act(
  deps: TriggerDeps,
  event: string,
  payload: unknown,
): Promise<Omit<DeliveryResult, 'duplicate'>> {
  const decision = decideBitbucketEvent(event, payload, deps.bitbucket ?? DEFAULT_BITBUCKET_SETTINGS);
  if (decision.action === 'ignore') return { outcome: `ignored: ${decision.reason}`, sessionId: null };
  if (!deps.forge) return { outcome: 'ignored: no Bitbucket forge is configured', sessionId: null };
  const { store } = deps.sessions;

  if (decision.action === 'status') {
    if (!deps.checkCommit) return { outcome: 'ignored: CI follow-up is off', sessionId: null };
    const sessionId = await deps.checkCommit(decision.repo, decision.sha, []);
    return sessionId
      ? { outcome: 'checks_read', sessionId }
      : { outcome: 'ignored: not a commit drydock pushed', sessionId: null };
  }
  if (decision.action === 'closed') {
    const { repo, pull: number, url, merged } = decision;
    const sessionId = await recordPullClosed(store, {
      repo,
      number,
      url,
      merged,
      by: `bitbucket:${decision.by}`,
    });
    if (!sessionId) return { outcome: 'ignored: not a drydock pull request', sessionId: null };
    return { outcome: merged ? 'pull_merged' : 'pull_closed', sessionId };
  }
  const { requester } = decision;
  if (decision.action === 'follow_up') {
    const link = await store.findLink(forgeKey(decision.repo, decision.pull, 'pull'));
    if (!link) return { outcome: 'ignored: not a drydock pull request', sessionId: null };
    if (!(await allowed(deps, decision.repo, requester.id))) {
      await refuse(deps, decision.repo, decision.pull, 'pull', requester);
      return { outcome: `ignored: ${requester.name} has no write access`, sessionId: link.sessionId };
    }
    return followUpOnPull(
      deps,
      { repo: decision.repo, number: decision.pull, sessionId: link.sessionId },
      `${decision.text}\n\n(from ${requester.name} on Bitbucket)`,
      creator(requester),
    );
  }
  // Only registered repositories get sessions (or a word from drydock); checked before any call to Bitbucket.
  if (!(await findRegisteredRepo(store, decision.repo))) {
    return { outcome: `ignored: ${decision.repo} is not a registered repository`, sessionId: null };
  }
  // Bitbucket shows a permission only to a token with admin on the repository, and a token with write can
  // still clone: an unreadable permission fails closed, visibly (permittedToStart).
  const permitted = await permittedToStart(deps, {
    repo: decision.repo,
    issue: decision.issue,
    task: decision.task,
    user: requester.id,
  });
  if (typeof permitted === 'object') {
    return { outcome: `failed: ${permitted.failed.reason}`, sessionId: permitted.failed.id };
  }
  if (!permitted) {
    await refuse(deps, decision.repo, decision.issue, 'issue', requester);
    return { outcome: `ignored: ${requester.name} has no write access`, sessionId: null };
  }
  const session = await startWork(deps, {
    repo: decision.repo,
    task: decision.task,
    requester: requester.name,
    issue: decision.issue,
    createdBy: creator(requester),
  });
  return {
    outcome: session.state === 'failed' ? `failed: ${session.reason}` : 'started',
    sessionId: session.id,
  };
}

/** A Bitbucket account as the audit log and a session's creator name it: by account id, which does not change. */
function creator(actor: BitbucketActor): { id: string; name: string } {
  return { id: `bitbucket:${actor.id}`, name: actor.name };
}

/**
 * Says on the issue or pull request why drydock will not act (best effort: the outcome says it too),
 * mentioning the person as Bitbucket does, by account id.
 */
async function refuse(
  deps: TriggerDeps,
  repo: string,
  number: number,
  on: 'issue' | 'pull',
  actor: BitbucketActor,
): Promise<void> {
  await deps.forge
    ?.comment(
      repo,
      number,
      `@{${actor.id}} drydock takes work only from people with write access to this repository.`,
      on,
    )
    .catch(() => {});
}

/** Who sent a Bitbucket delivery (`actor`, on every event), for the audit log. */
function bitbucketSender(payload: unknown): { actor?: { id: string; name: string } } {
  const who = (payload as { actor?: unknown } | null)?.actor;
  if (!who || typeof who !== 'object') return {};
  const { account_id, uuid, nickname, display_name } = who as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const actor = bitbucketActor({
    account_id: text(account_id),
    uuid: text(uuid),
    nickname: text(nickname),
    display_name: text(display_name),
  });
  return actor ? { actor: creator(actor) } : {};
}
