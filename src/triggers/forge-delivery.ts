import type { AuditActor } from '../core/audit.ts';
import { describeError, isBadInput } from '../core/errors.ts';
import { isSpendLimitReached } from '../core/spend-limit-error.ts';
import { sendMessage } from '../sessions/follow-ups.ts';
import { spendContext } from '../sessions/spend-limits.ts';
import { claimDeliveryKeys } from './claim-delivery-keys.ts';
import { recordDelivery } from './record-delivery.ts';
import type { TriggerDeps } from './trigger-deps.ts';

/** What drydock did with a forge's webhook delivery (GitHub, GitLab, Gitea/Forgejo, Bitbucket Cloud). */
export interface DeliveryResult {
  /**
   * `started`, `follow_up`, `review_started`, `checks_read`, `pull_merged`, `pull_closed`, `ignored: <why>`,
   * `failed: <why>`, `refused: <why>`.
   */
  outcome: string;
  sessionId: string | null;
  /** A redelivery: nothing new was done. */
  duplicate: boolean;
}

/** One verified delivery of a forge's webhook (GitLab, Gitea/Forgejo, Bitbucket), as the idempotency claim and audit see it. */
export interface ForgeDelivery {
  /** `gitlab`, `gitea` or `bitbucket`: the claims' source and the audit log's. */
  source: string;
  /** The keys a duplicate is known by: the body's hash first, then the sender's delivery ids. */
  keys: readonly string[];
  /** The sender's id of this delivery, for the audit log. */
  deliveryId: string | null;
  /** The forge's name of the event, for the audit log. */
  event: string;
  /** Who sent it, when the payload says. */
  actor?: AuditActor;
}

/**
 * Acts on a forge delivery at most once: a duplicate (any key claimed before) answers what the first did. A
 * delivery to a server without that forge's credentials is ignored, saying what to set; a failure is recorded as
 * the outcome and thrown. Every answer goes to the audit log.
 */
export async function actOnceOnDelivery(
  deps: TriggerDeps,
  delivery: ForgeDelivery,
  act: () => Promise<Omit<DeliveryResult, 'duplicate'>>,
): Promise<DeliveryResult> {
  const { store } = deps.sessions;
  const audit = (result: DeliveryResult) =>
    recordDelivery(store, {
      source: delivery.source,
      deliveryId: delivery.deliveryId,
      ...(delivery.actor ? { actor: delivery.actor } : {}),
      ...result,
      details: { event: delivery.event },
    });
  const claim = await claimDeliveryKeys(store, delivery.source, [...delivery.keys]);
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
    result = await act();
  } catch (error) {
    // Webhooks arrive, but this server has no credentials for the forge: nothing to do until an admin sets them.
    result = isBadInput(error, 'forge_not_configured')
      ? { outcome: `ignored: ${error.message}`, sessionId: null }
      : { outcome: `failed: ${describeError(error)}`, sessionId: null };
    await claim.finish(result);
    await audit({ ...result, duplicate: false });
    if (!isBadInput(error, 'forge_not_configured')) throw error;
    return { ...result, duplicate: false };
  }
  await claim.finish(result);
  await audit({ ...result, duplicate: false });
  return { ...result, duplicate: false };
}

/**
 * A comment on drydock's pull (or merge) request, as a follow-up turn of its session, from `by`. Under a spent
 * limit it is refused, and drydock says so on the pull request. Returns the delivery's outcome.
 */
export async function followUpOnPull(
  deps: TriggerDeps,
  pull: { repo: string; number: number; sessionId: string },
  text: string,
  by: AuditActor,
): Promise<Omit<DeliveryResult, 'duplicate'>> {
  try {
    await sendMessage(deps.sessions.store, pull.sessionId, text, { by, spend: spendContext(deps.sessions) });
  } catch (error) {
    if (!isSpendLimitReached(error) || !deps.forge) throw error;
    // Said on the pull request, as drydock says other refusals there.
    await deps.forge
      .comment(pull.repo, pull.number, `drydock could not take this up: ${describeError(error)}`, 'pull')
      .catch(() => {});
    return { outcome: 'refused: spend limit reached', sessionId: pull.sessionId };
  }
  deps.watch(pull.sessionId);
  deps.wake(pull.sessionId);
  return { outcome: 'follow_up', sessionId: pull.sessionId };
}
