import { describe, expect, it } from 'vitest';
import type { Store } from '../core/ports/store.ts';

/** Repository knowledge: part of the Store contract, run inside describeStoreContract. */
export function describeKnowledgeStoreContract(current: () => Store): void {
  describe('repository knowledge', () => {
    it('creates pending items, gets, lists by repo and status oldest first, and deletes', async () => {
      const store = current();
      const setup = await store.createKnowledge({
        repo: '/srv/app',
        title: 'Run the tests with npm test',
        body: 'Install with `npm ci` first.',
        kind: 'setup',
        files: ['package.json'],
        source: 'session-1',
      });
      const other = await store.createKnowledge({
        repo: '/srv/other',
        title: 'Lint before commit',
        body: 'b',
        kind: 'convention',
        files: [],
        source: 'manual',
        status: 'approved',
        decidedBy: 'admin',
      });
      expect(setup).toMatchObject({
        repo: '/srv/app',
        kind: 'setup',
        files: ['package.json'],
        status: 'pending',
        source: 'session-1',
        decidedBy: null,
        decidedAt: null,
        staleFiles: null,
      });
      expect(setup.updatedAt).toBe(setup.proposedAt);
      expect(other).toMatchObject({ status: 'approved', decidedBy: 'admin' });
      expect(other.decidedAt).not.toBeNull();
      expect(await store.getKnowledge(setup.id)).toEqual(setup);
      expect(await store.getKnowledge('missing')).toBeNull();
      expect((await store.listKnowledge()).map((item) => item.id)).toEqual([setup.id, other.id]);
      expect(await store.listKnowledge({ repo: '/srv/app' })).toEqual([setup]);
      expect(await store.listKnowledge({ status: 'approved' })).toEqual([other]);
      expect(await store.listKnowledge({ repo: '/srv/app', status: 'approved' })).toEqual([]);
      expect(await store.deleteKnowledge(setup.id)).toBe(true);
      expect(await store.deleteKnowledge(setup.id)).toBe(false);
      expect(await store.listKnowledge()).toEqual([other]);
    });

    it('records a decision with who made it, edits the text, and answers null for an unknown id', async () => {
      const store = current();
      const item = await store.createKnowledge({
        repo: 'acme/app',
        title: 'Pitfall',
        body: 'old',
        kind: 'pitfall',
        files: ['src/a.ts'],
        source: 'session-2',
      });
      const approved = await store.updateKnowledge(item.id, {
        decision: { status: 'approved', by: 'alice' },
      });
      expect(approved).toMatchObject({
        status: 'approved',
        decidedBy: 'alice',
        title: 'Pitfall',
        body: 'old',
      });
      expect(approved?.decidedAt).not.toBeNull();
      expect((approved?.updatedAt ?? '') > item.updatedAt).toBe(true);
      const edited = await store.updateKnowledge(item.id, {
        title: 'Better',
        body: 'new',
        kind: 'convention',
      });
      expect(edited).toMatchObject({ title: 'Better', body: 'new', kind: 'convention', status: 'approved' });
      expect(await store.getKnowledge(item.id)).toEqual(edited);
      // An empty update changes nothing.
      expect(await store.updateKnowledge(item.id, {})).toEqual(edited);
      const rejected = await store.updateKnowledge(item.id, { decision: { status: 'rejected', by: 'bob' } });
      expect(rejected).toMatchObject({ status: 'rejected', decidedBy: 'bob' });
      expect(await store.updateKnowledge('missing', { title: 'x' })).toBeNull();
    });

    it('marks an item stale, keeps that on a decision, and clears it when its files are edited', async () => {
      const store = current();
      const item = await store.createKnowledge({
        repo: 'acme/app',
        title: 'Uses gone.ts',
        body: 'b',
        kind: 'pitfall',
        files: ['src/gone.ts', 'src/here.ts'],
        source: 'manual',
      });
      await store.markKnowledgeStale(item.id, ['src/gone.ts']);
      const stale = await store.getKnowledge(item.id);
      expect(stale?.staleFiles).toEqual(['src/gone.ts']);
      expect(stale?.updatedAt).toBe(item.updatedAt);
      await store.updateKnowledge(item.id, { decision: { status: 'approved', by: 'alice' } });
      expect((await store.getKnowledge(item.id))?.staleFiles).toEqual(['src/gone.ts']);
      const edited = await store.updateKnowledge(item.id, { files: ['src/here.ts'] });
      expect(edited).toMatchObject({ files: ['src/here.ts'], staleFiles: null });
      await store.markKnowledgeStale(item.id, ['src/here.ts']);
      await store.markKnowledgeStale(item.id, null);
      expect((await store.getKnowledge(item.id))?.staleFiles).toBeNull();
      await store.markKnowledgeStale('missing', ['x']);
    });
  });
}
