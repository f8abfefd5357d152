import { describe, expect, it } from 'vitest';
import type { Delivery } from '../core/ports/store.ts';
import { claimDeliveryKeys, signedDeliveryKey } from './claim-delivery-keys.ts';

/** The store's two delivery methods over a map, with the contract's semantics (first claim wins). */
function fakeDeliveries() {
  const rows = new Map<string, Delivery>();
  return {
    rows,
    async claimDelivery(source: string, deliveryId: string) {
      const key = `${source}\0${deliveryId}`;
      const found = rows.get(key);
      if (found) return { claimed: false, delivery: found };
      const delivery: Delivery = {
        source,
        deliveryId,
        sessionId: null,
        outcome: 'pending',
        createdAt: 'now',
      };
      rows.set(key, delivery);
      return { claimed: true, delivery };
    },
    async finishDelivery(
      source: string,
      deliveryId: string,
      result: { sessionId: string | null; outcome: string },
    ) {
      const found = rows.get(`${source}\0${deliveryId}`);
      if (found) rows.set(`${source}\0${deliveryId}`, { ...found, ...result });
    },
  };
}

describe('claimDeliveryKeys', () => {
  it('a delivery is new only when none of its keys was seen; unsigned keys only ever make duplicates', async () => {
    const store = fakeDeliveries();
    const signed = signedDeliveryKey(Buffer.from('1750000000.{"n":1}'));
    const first = await claimDeliveryKeys(store, 'hook:a', [signed, 'k1']);
    expect(first.claimed).toBe(true);
    if (first.claimed) await first.finish({ sessionId: 's1', outcome: 'started' });

    // A replay with a new unsigned key: the signed key was seen.
    const replay = await claimDeliveryKeys(store, 'hook:a', [signed, 'k2']);
    expect(replay).toMatchObject({ claimed: false, delivery: { sessionId: 's1', outcome: 'started' } });
    // The sender's retry, signed afresh with the same key: the key was seen, and the new signed key
    // now answers the same.
    const resigned = signedDeliveryKey(Buffer.from('1750000030.{"n":1}'));
    expect(await claimDeliveryKeys(store, 'hook:a', [resigned, 'k1'])).toMatchObject({ claimed: false });
    expect(store.rows.get(`hook:a\0${resigned}`)).toMatchObject({ sessionId: 's1', outcome: 'started' });
    // Keys are per source.
    expect((await claimDeliveryKeys(store, 'hook:b', [signed, 'k1'])).claimed).toBe(true);
  });

  it('names a delivery by the hash of what was signed', () => {
    expect(signedDeliveryKey(Buffer.from('a'))).toBe(
      'sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb',
    );
    expect(signedDeliveryKey(Buffer.from('b'))).not.toBe(signedDeliveryKey(Buffer.from('a')));
  });
});
