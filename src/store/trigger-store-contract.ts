import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../core/ports/store.ts';

/**
 * Webhook deliveries (claimed once), links from outside keys to sessions, and triggers. Part of the Store
 * contract, run inside describeStoreContract.
 */
export function describeTriggerStoreContract(current: () => Store): void {
  describe('deliveries, links and triggers', () => {
    let store: Store;

    beforeEach(() => {
      store = current();
    });

    it('claims a delivery once, even when claims race', async () => {
      const claims = await Promise.all([1, 2, 3].map(() => store.claimDelivery('github', 'd-1')));
      expect(claims.filter((claim) => claim.claimed)).toHaveLength(1);
      await store.finishDelivery('github', 'd-1', { sessionId: 's1', outcome: 'started' });
      const again = await store.claimDelivery('github', 'd-1');
      expect(again).toMatchObject({ claimed: false, delivery: { sessionId: 's1', outcome: 'started' } });
      expect((await store.claimDelivery('sentry', 'd-1')).claimed).toBe(true);
    });

    it('links keys to one session each and lists them by session or prefix', async () => {
      await store.linkSession('github:o/r#1', 's1', { issue: 1 });
      await store.linkSession('github:o/r#2', 's1', { pr: 2 });
      await store.linkSession('slack:C1/1.2', 's2', {});
      await store.linkSession('github:o/r#2', 's1', { pr: 2, pushed: 'abc' });
      await expect(store.linkSession('github:o/r#1', 's2', {})).rejects.toMatchObject({
        code: 'link_taken',
      });
      expect(await store.findLink('github:o/r#2')).toMatchObject({
        sessionId: 's1',
        data: { pr: 2, pushed: 'abc' },
      });
      expect(await store.findLink('github:o/r#3')).toBeNull();
      expect((await store.listLinks({ sessionId: 's1' })).map((link) => link.key)).toEqual([
        'github:o/r#1',
        'github:o/r#2',
      ]);
      expect((await store.listLinks({ prefix: 'slack:' })).map((link) => link.sessionId)).toEqual(['s2']);
    });

    it('creates, updates, lists and deletes triggers; names are unique per kind', async () => {
      const hook = await store.createTrigger({
        kind: 'hook',
        name: 'alerts',
        config: { repo: 'r' },
        secret: 'enc',
      });
      await expect(
        store.createTrigger({ kind: 'hook', name: 'alerts', config: {}, secret: null }),
      ).rejects.toMatchObject({ code: 'trigger_exists' });
      await store.createTrigger({ kind: 'schedule', name: 'alerts', config: {}, secret: null });
      const updated = await store.updateTrigger(hook.id, { config: { repo: 's' } });
      expect(updated).toMatchObject({ config: { repo: 's' }, secret: 'enc' });
      expect(await store.findTrigger('hook', 'alerts')).toEqual(updated);
      expect((await store.listTriggers('schedule')).map((t) => t.name)).toEqual(['alerts']);
      expect(await store.deleteTrigger(hook.id)).toBe(true);
      expect(await store.getTrigger(hook.id)).toBeNull();
      await expect(store.updateTrigger(hook.id, { config: {} })).rejects.toMatchObject({
        code: 'trigger_not_found',
      });
    });
  });
}
