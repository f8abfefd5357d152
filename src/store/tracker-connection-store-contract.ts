import { describe, expect, it } from 'vitest';
import type { Store } from '../core/ports/store.ts';

/** Tracker connections: part of the Store contract, run inside describeStoreContract. */
export function describeTrackerConnectionStoreContract(current: () => Store): void {
  describe('tracker connections', () => {
    it('puts, gets by tracker, replaces in place keeping createdAt, lists by tracker and deletes', async () => {
      const store = current();
      expect(await store.getTrackerConnection('linear')).toBeNull();
      const linear = await store.putTrackerConnection({
        tracker: 'linear',
        settings: { handle: 'drydock' },
        sealed: { apiKey: 'v1:a:b:c', webhookSecret: 'v1:d:e:f' },
        updatedBy: 'admin',
      });
      expect(linear).toMatchObject({
        tracker: 'linear',
        settings: { handle: 'drydock' },
        sealed: { apiKey: 'v1:a:b:c', webhookSecret: 'v1:d:e:f' },
        updatedBy: 'admin',
      });
      expect(linear.createdAt).toBe(linear.updatedAt);
      await store.putTrackerConnection({
        tracker: 'jira',
        settings: { url: 'https://acme.atlassian.net', email: 'bot@acme.test', label: 'drydock' },
        sealed: { apiToken: 'v1:1:2:3', webhookSecret: 'v1:4:5:6' },
        updatedBy: 'admin',
      });
      expect(await store.getTrackerConnection('linear')).toEqual(linear);

      const replaced = await store.putTrackerConnection({
        tracker: 'linear',
        settings: { handle: 'bot', apiUrl: 'http://127.0.0.1:1/graphql' },
        sealed: { apiKey: 'v1:x:y:z', webhookSecret: 'v1:d:e:f' },
        updatedBy: 'someone else',
      });
      expect(replaced).toMatchObject({
        settings: { handle: 'bot', apiUrl: 'http://127.0.0.1:1/graphql' },
        sealed: { apiKey: 'v1:x:y:z', webhookSecret: 'v1:d:e:f' },
        updatedBy: 'someone else',
        createdAt: linear.createdAt,
      });
      expect((await store.listTrackerConnections()).map((c) => c.tracker)).toEqual(['jira', 'linear']);
      // Not the repository secrets: nothing a sandbox is given reads these.
      expect(await store.listSecrets()).toEqual([]);
      expect(await store.deleteTrackerConnection('linear')).toBe(true);
      expect(await store.deleteTrackerConnection('linear')).toBe(false);
      expect(await store.getTrackerConnection('linear')).toBeNull();
      expect((await store.listTrackerConnections()).map((c) => c.tracker)).toEqual(['jira']);
    });
  });
}
