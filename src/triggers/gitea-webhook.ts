import { findRegisteredRepo } from '../sessions/registered-repos.ts';
import { signedDeliveryKey } from './claim-delivery-keys.ts';
import { actOnceOnDelivery, type DeliveryResult, followUpOnPull } from './forge-delivery.ts';
import { forgeKey } from './forge-link.ts';
import { DEFAULT_GITEA_SETTINGS, decideGiteaEvent } from './gitea-events.ts';
import { allowed, permittedToStart } from './github-permission.ts';
import { recordPullClosed } from './pull-closed.ts';
import { type SignatureProblem, verifySignature } from './signature.ts';
import { startWork } from './start-work.ts';
import type { TriggerDeps } from './trigger-deps.ts';

/** A request's header, by name (any case). */
export type HeaderOf = (name: string) => string | undefined;

/**
 * Gitea's and Forgejo's headers: Forgejo sends its own names (and Gitea's beside them); Gitea only its own.
 * The first one present wins.
 */
const header = (of: HeaderOf, name: 'Signature' | 'Delivery' | 'Event') =>
  of(`x-forgejo-${name.toLowerCase()}`) ?? of(`x-gitea-${name.toLowerCase()}`);

/**
 * Whether the delivery's signature (`X-Gitea-Signature` or `X-Forgejo-Signature`: the hex HMAC-SHA256 of the
 * raw body with the webhook's secret) verifies, compared in constant time. Null when it does.
 */
export function giteaSignatureProblem(secret: string, rawBody: Uint8Array, of: HeaderOf): SignatureProblem {
  return verifySignature({ secret, rawBody, signature: header(of, 'Signature') });
}

export interface GiteaDelivery {
  /** `X-Gitea-Event` / `X-Forgejo-Event`: `issue_comment`, `issues`, `pull_request`, `status`, ... */
  event: string;
  /** `X-Gitea-Delivery` / `X-Forgejo-Delivery`: the same on a redelivery. */
  id: string | undefined;
  payload: unknown;
  rawBody: Uint8Array;
}

/** The delivery's event and id from its headers. */
export function giteaDeliveryHeaders(of: HeaderOf): { event: string | undefined; id: string | undefined } {
  return { event: header(of, 'Event'), id: header(of, 'Delivery') };
}

/**
 * Acts on one verified Gitea or Forgejo delivery at most once: known by its body's hash (a captured body
 * replayed under a fresh delivery id is a duplicate) and by its delivery id. A duplicate returns what the
 * first did.
 */
export async function handleGiteaDelivery(
  deps: TriggerDeps,
  delivery: GiteaDelivery,
): Promise<DeliveryResult> {
  const keys = [signedDeliveryKey(delivery.rawBody), ...(delivery.id ? [`delivery:${delivery.id}`] : [])];
  return actOnceOnDelivery(
    deps,
    {
      source: 'gitea',
      keys,
      deliveryId: delivery.id ?? null,
      event: delivery.event,
      ...giteaSender(delivery.payload),
    },
    () => act(deps, delivery.event, delivery.payload),
  );
}

async function act(
  deps: TriggerDeps,
  event: string,
  payload: unknown,
): Promise<Omit<DeliveryResult, 'duplicate'>> {
  const decision = decideGiteaEvent(event, payload, deps.gitea ?? DEFAULT_GITEA_SETTINGS);
  if (decision.action === 'ignore') return { outcome: `ignored: ${decision.reason}`, sessionId: null };
  const forge = deps.forge;
  if (!forge) return { outcome: 'ignored: no Gitea forge is configured', sessionId: null };
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
      by: `gitea:${decision.by}`,
    });
    if (!sessionId) return { outcome: 'ignored: not a drydock pull request', sessionId: null };
    return { outcome: merged ? 'pull_merged' : 'pull_closed', sessionId };
  }
  if (decision.action === 'follow_up') {
    const link = await store.findLink(forgeKey(decision.repo, decision.pull, 'pull'));
    if (!link) return { outcome: 'ignored: not a drydock pull request', sessionId: null };
    if (!(await allowed(deps, decision.repo, decision.requester))) {
      await refuse(deps, decision.repo, decision.pull, 'pull', decision.requester);
      return { outcome: `ignored: ${decision.requester} has no write access`, sessionId: link.sessionId };
    }
    return followUpOnPull(
      deps,
      { repo: decision.repo, number: decision.pull, sessionId: link.sessionId },
      `${decision.text}\n\n(from @${decision.requester} on Gitea)`,
      { id: `gitea:${decision.requester}`, name: decision.requester },
    );
  }
  // Only registered repositories get sessions (or a word from drydock); checked before any call to Gitea.
  if (!(await findRegisteredRepo(store, decision.repo))) {
    return { outcome: `ignored: ${decision.repo} is not a registered repository`, sessionId: null };
  }
  if (decision.labelled) {
    // Gitea reports the labels as they are, not which one changed: an issue drydock has is not started again.
    const existing = await store.findLink(forgeKey(decision.repo, decision.issue));
    if (existing)
      return { outcome: 'ignored: drydock already has this issue', sessionId: existing.sessionId };
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
    createdBy: { id: `gitea:${decision.requester}`, name: decision.requester },
  });
  return {
    outcome: session.state === 'failed' ? `failed: ${session.reason}` : 'started',
    sessionId: session.id,
  };
}

/** Says on the issue or pull request why drydock will not act (best effort: the outcome says it too). */
async function refuse(
  deps: TriggerDeps,
  repo: string,
  number: number,
  on: 'issue' | 'pull',
  login: string,
): Promise<void> {
  await deps.forge
    ?.comment(
      repo,
      number,
      `@${login} drydock takes work only from collaborators with write access to this repository.`,
      on,
    )
    .catch(() => {});
}

/** Who sent a Gitea or Forgejo delivery (`sender.login`, on every event), for the audit log. */
function giteaSender(payload: unknown): { actor?: { id: string; name: string } } {
  const login = (payload as { sender?: { login?: unknown } } | null)?.sender?.login;
  return typeof login === 'string' ? { actor: { id: `gitea:${login}`, name: login } } : {};
}
