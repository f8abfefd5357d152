import { describe, expect, it } from 'vitest';
import type { Store } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';

/**
 * A session's optional fields (who asked, who started it, its friend, its allowed hosts, its place in a
 * tree) are kept as given, and absent when not given. Part of the Store contract, run inside
 * describeStoreContract; `newSession` comes from the contract.
 */
export function describeSessionFieldsStoreContract(
  current: () => Store,
  newSession: (id: string, overrides?: Partial<Session>) => Session,
): void {
  describe("a session's optional fields", () => {
    it('keeps who asked for a session, and leaves it out when nobody is known', async () => {
      const store = current();
      const requestedBy = { name: 'octocat', email: '583231+octocat@users.noreply.github.com' };
      await store.createSession(newSession('asked', { requestedBy }));
      await store.createSession(newSession('anonymous'));
      await store.record('asked', { patch: { state: 'provisioning' } });
      expect((await store.getSession('asked'))?.requestedBy).toEqual(requestedBy);
      expect(await store.getSession('anonymous')).not.toHaveProperty('requestedBy');
    });

    it('keeps who started a session, and leaves it out when nobody is known', async () => {
      const store = current();
      const createdBy = { id: 'token:t1', name: 'alice' };
      await store.createSession(newSession('mine', { createdBy }));
      await store.createSession(newSession('cli'));
      await store.record('mine', { patch: { state: 'provisioning' } });
      expect((await store.getSession('mine'))?.createdBy).toEqual(createdBy);
      expect((await store.listSessions()).find((s) => s.id === 'mine')?.createdBy).toEqual(createdBy);
      expect(await store.getSession('cli')).not.toHaveProperty('createdBy');
    });

    it("keeps a session's friend model, and leaves it out when it has none", async () => {
      const store = current();
      await store.createSession(newSession('friendly', { friendModel: 'anthropic:claude-opus-4-1' }));
      await store.createSession(newSession('alone'));
      await store.record('friendly', { patch: { state: 'provisioning' } });
      expect((await store.getSession('friendly'))?.friendModel).toBe('anthropic:claude-opus-4-1');
      expect((await store.listEvents('friendly'))[0]?.data).toMatchObject({
        type: 'session.created',
        friendModel: 'anthropic:claude-opus-4-1',
      });
      expect(await store.getSession('alone')).not.toHaveProperty('friendModel');
      expect((await store.listEvents('alone'))[0]?.data).not.toHaveProperty('friendModel');
    });

    it('keeps the hosts a session may reach beyond its repository, and leaves them out when none', async () => {
      const store = current();
      const allowHosts = [{ host: 'registry.example.org' }, { host: 'api.example.org', port: 8443 }];
      await store.createSession(newSession('allowed', { allowHosts }));
      await store.createSession(newSession('plain'));
      await store.record('allowed', { patch: { state: 'provisioning' } });
      expect((await store.getSession('allowed'))?.allowHosts).toEqual(allowHosts);
      expect((await store.listSessions()).find((s) => s.id === 'allowed')?.allowHosts).toEqual(allowHosts);
      expect(await store.getSession('plain')).not.toHaveProperty('allowHosts');
    });

    it("keeps a session's kind, parent and attempt models, and lists a parent's children", async () => {
      const store = current();
      const attemptModels = ['script:a', 'openai:gpt-5-mini'];
      await store.createSession(newSession('parent', { kind: 'attempts', attemptModels }));
      await store.createSession(newSession('first', { kind: 'attempt', parentId: 'parent' }));
      await store.createSession(newSession('second', { kind: 'attempt', parentId: 'parent' }));
      await store.createSession(newSession('other-child', { kind: 'child', parentId: 'other' }));
      await store.createSession(newSession('plain'));
      expect(await store.getSession('parent')).toMatchObject({ kind: 'attempts', attemptModels });
      expect(await store.getSession('parent')).not.toHaveProperty('parentId');
      expect(await store.getSession('first')).toMatchObject({ kind: 'attempt', parentId: 'parent' });
      expect(await store.getSession('plain')).not.toHaveProperty('kind');
      expect((await store.listEvents('first'))[0]?.data).toMatchObject({
        type: 'session.created',
        kind: 'attempt',
        parentId: 'parent',
      });
      const children = await store.listSessions({ parentId: 'parent', order: 'oldest' });
      expect(children.map((s) => s.id)).toEqual(['first', 'second']);
      const topLevel = await store.listSessions({ parentId: null });
      expect(topLevel.map((s) => s.id).sort()).toEqual(['parent', 'plain']);
    });
  });
}
