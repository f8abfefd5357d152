import { createHash } from 'node:crypto';
import type { Delivery, Store } from '../core/ports/store.ts';

/**
 * A delivery's identity derived from what its sender signed (`sha256:<hex>`), so a replay cannot
 * make itself new by changing a header the signature does not cover. Pure.
 */
export function signedDeliveryKey(signed: Uint8Array): string {
  return `sha256:${createHash('sha256').update(signed).digest('hex')}`;
}

export type DeliveryClaim =
  | {
      claimed: true;
      /** Records what drydock did under every key of the delivery. */
      finish(result: { sessionId: string | null; outcome: string }): Promise<void>;
    }
  | { claimed: false; delivery: Delivery };

/**
 * Claims a delivery under each of its keys, the signed one first: the delivery is new only when no
 * key was claimed before. Unsigned keys (an `Idempotency-Key`, `X-GitHub-Delivery`) can only make a
 * delivery a duplicate, never new: a sender's retry that signs afresh keeps its key, while a replay
 * that changes the key still has the signed one. Keys this call claimed before finding a duplicate
 * are recorded with the earlier delivery's answer.
 */
export async function claimDeliveryKeys(
  store: Pick<Store, 'claimDelivery' | 'finishDelivery'>,
  source: string,
  keys: readonly string[],
): Promise<DeliveryClaim> {
  const mine: string[] = [];
  for (const key of new Set(keys)) {
    const claim = await store.claimDelivery(source, key);
    if (!claim.claimed) {
      const { sessionId, outcome } = claim.delivery;
      for (const claimed of mine) await store.finishDelivery(source, claimed, { sessionId, outcome });
      return { claimed: false, delivery: claim.delivery };
    }
    mine.push(key);
  }
  return {
    claimed: true,
    finish: async (result) => {
      for (const key of mine) await store.finishDelivery(source, key, result);
    },
  };
}
