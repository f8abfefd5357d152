import { describe, expect, it } from 'vitest';
import type { Store } from '../core/ports/store.ts';

/** Tracker mappings: part of the Store contract, run inside describeStoreContract. */
export function describeTrackerMappingStoreContract(current: () => Store): void {
  describe('tracker mappings', () => {
    it('puts, gets by exactly (tracker, project), replaces in place, lists and deletes', async () => {
      const store = current();
      const states = { started: 'In Progress', delivered: 'In Review' };
      const eng = await store.putTrackerMapping({
        tracker: 'linear',
        project: 'ENG',
        repo: '/srv/app',
        states,
        createdBy: 'admin',
      });
      expect(eng).toMatchObject({
        tracker: 'linear',
        project: 'ENG',
        repo: '/srv/app',
        states,
        createdBy: 'admin',
      });
      await store.putTrackerMapping({
        tracker: 'jira',
        project: 'ENG',
        repo: 'acme/app',
        states,
        createdBy: 'b',
      });
      expect(await store.getTrackerMapping('linear', 'ENG')).toEqual(eng);
      expect(await store.getTrackerMapping('linear', 'eng')).toBeNull();
      expect((await store.getTrackerMapping('jira', 'ENG'))?.repo).toBe('acme/app');

      const replaced = await store.putTrackerMapping({
        tracker: 'linear',
        project: 'ENG',
        repo: '/srv/other',
        states: { started: 'Doing', delivered: '' },
        createdBy: 'someone else',
      });
      expect(replaced).toMatchObject({
        repo: '/srv/other',
        states: { started: 'Doing', delivered: '' },
        createdBy: 'admin',
        createdAt: eng.createdAt,
      });
      expect((await store.listTrackerMappings()).map((m) => `${m.tracker}:${m.project}`)).toEqual([
        'jira:ENG',
        'linear:ENG',
      ]);
      expect(await store.deleteTrackerMapping('linear', 'ENG')).toBe(true);
      expect(await store.deleteTrackerMapping('linear', 'ENG')).toBe(false);
      expect(await store.getTrackerMapping('linear', 'ENG')).toBeNull();
    });
  });
}
