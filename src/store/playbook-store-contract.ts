import { describe, expect, it } from 'vitest';
import type { Store } from '../core/ports/store.ts';

/** Server-side playbooks: part of the Store contract, run inside describeStoreContract. */
export function describePlaybookStoreContract(current: () => Store): void {
  describe('server-side playbooks', () => {
    it('puts, replaces by name, lists by name, gets and deletes', async () => {
      const store = current();
      expect(await store.getPlaybook('weekly')).toBeNull();
      const first = await store.putPlaybook({ name: 'weekly', text: 'v1', updatedBy: 'token:a' });
      expect(first).toMatchObject({ name: 'weekly', text: 'v1', updatedBy: 'token:a' });
      await store.putPlaybook({ name: 'a-first', text: 'x', updatedBy: 'cli' });
      const replaced = await store.putPlaybook({ name: 'weekly', text: 'v2', updatedBy: 'token:b' });
      expect(await store.getPlaybook('weekly')).toEqual(replaced);
      expect(replaced).toMatchObject({ text: 'v2', updatedBy: 'token:b' });
      expect((await store.listPlaybooks()).map((playbook) => playbook.name)).toEqual(['a-first', 'weekly']);
      expect(await store.deletePlaybook('weekly')).toBe(true);
      expect(await store.deletePlaybook('weekly')).toBe(false);
      expect((await store.listPlaybooks()).map((playbook) => playbook.name)).toEqual(['a-first']);
      await store.deletePlaybook('a-first');
    });
  });
}
