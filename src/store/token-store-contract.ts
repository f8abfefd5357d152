import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../core/ports/store.ts';

/** API tokens, found by their hash. Part of the Store contract, run inside describeStoreContract. */
export function describeTokenStoreContract(current: () => Store): void {
  describe('tokens', () => {
    let store: Store;

    beforeEach(() => {
      store = current();
    });

    it('creates, finds by hash and lists tokens oldest first', async () => {
      const admin = await store.createToken({ name: 'ci', role: 'admin', tokenHash: 'a'.repeat(64) });
      const viewer = await store.createToken({ name: 'dash', role: 'viewer', tokenHash: 'b'.repeat(64) });
      expect(admin).toMatchObject({ name: 'ci', role: 'admin', tokenHash: 'a'.repeat(64) });
      expect(admin.id).not.toBe(viewer.id);
      expect(await store.findTokenByHash('b'.repeat(64))).toEqual(viewer);
      expect(await store.findTokenByHash('c'.repeat(64))).toBeNull();
      expect(await store.listTokens()).toEqual([admin, viewer]);
    });

    it('refuses a second token with the same hash', async () => {
      await store.createToken({ name: 'one', role: 'member', tokenHash: 'd'.repeat(64) });
      await expect(
        store.createToken({ name: 'two', role: 'admin', tokenHash: 'd'.repeat(64) }),
      ).rejects.toMatchObject({ kind: 'conflict', code: 'token_exists' });
      expect((await store.listTokens()).map((token) => token.name)).toEqual(['one']);
    });
  });
}
