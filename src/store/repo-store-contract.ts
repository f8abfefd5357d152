import { describe, expect, it } from 'vitest';
import { ConflictError } from '../core/errors.ts';
import { REPO_ALREADY_REGISTERED, type Store } from '../core/ports/store.ts';

/** Registered repositories: part of the Store contract, run inside describeStoreContract. */
export function describeRepoStoreContract(current: () => Store): void {
  describe('registered repositories', () => {
    it('registers, gets, finds by exactly its repo, lists oldest first and deletes', async () => {
      const store = current();
      const local = await store.createRepo({ kind: 'local', repo: '/srv/repos/app', addedBy: 'admin token' });
      const forge = await store.createRepo({ kind: 'forge', repo: 'acme/app', addedBy: 'cli' });
      expect(local).toMatchObject({ kind: 'local', repo: '/srv/repos/app', addedBy: 'admin token' });
      expect(local.id).not.toBe(forge.id);
      expect(Number.isNaN(Date.parse(local.createdAt))).toBe(false);
      expect(await store.getRepo(local.id)).toEqual(local);
      expect(await store.findRepo('acme/app')).toEqual(forge);
      expect(await store.findRepo('/srv/repos/app')).toEqual(local);
      // Exact: no prefix, no other spelling.
      expect(await store.findRepo('/srv/repos')).toBeNull();
      expect(await store.findRepo('/srv/repos/app/')).toBeNull();
      expect(await store.getRepo('missing')).toBeNull();
      expect((await store.listRepos()).map((repo) => repo.id)).toEqual([local.id, forge.id]);
      expect(await store.deleteRepo(local.id)).toBe(true);
      expect(await store.deleteRepo(local.id)).toBe(false);
      expect(await store.findRepo('/srv/repos/app')).toBeNull();
      expect(await store.listRepos()).toEqual([forge]);
    });

    it('registers with review off, turns it on and off, and updates nothing for an unknown id', async () => {
      const store = current();
      const repo = await store.createRepo({ kind: 'forge', repo: 'acme/app', addedBy: 'cli' });
      const other = await store.createRepo({ kind: 'forge', repo: 'acme/other', addedBy: 'cli' });
      expect(repo.review).toEqual({ pullRequests: false });
      const on = await store.updateRepo(repo.id, { review: { pullRequests: true } });
      expect(on).toEqual({ ...repo, review: { pullRequests: true } });
      expect(await store.findRepo('acme/app')).toEqual(on);
      expect((await store.getRepo(other.id))?.review).toEqual({ pullRequests: false });
      // An empty update changes nothing and answers the registration as it is.
      expect(await store.updateRepo(repo.id, {})).toEqual(on);
      expect((await store.updateRepo(repo.id, { review: { pullRequests: false } }))?.review).toEqual({
        pullRequests: false,
      });
      expect(await store.updateRepo('missing', { review: { pullRequests: true } })).toBeNull();
    });

    it('refuses a second registration of one repo and keeps the first', async () => {
      const store = current();
      const first = await store.createRepo({ kind: 'local', repo: '/srv/repos/app', addedBy: 'a' });
      const second = store.createRepo({ kind: 'local', repo: '/srv/repos/app', addedBy: 'b' });
      await expect(second).rejects.toBeInstanceOf(ConflictError);
      await expect(second).rejects.toMatchObject({ code: REPO_ALREADY_REGISTERED });
      expect(await store.listRepos()).toEqual([first]);
    });

    it('lets exactly one of two racing registrations of one repo win', async () => {
      const store = current();
      const results = await Promise.allSettled([
        store.createRepo({ kind: 'forge', repo: 'acme/app', addedBy: 'a' }),
        store.createRepo({ kind: 'forge', repo: 'acme/app', addedBy: 'b' }),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((result) => result.status === 'rejected')?.reason).toMatchObject({
        code: REPO_ALREADY_REGISTERED,
      });
      expect(await store.listRepos()).toHaveLength(1);
    });
  });
}
