import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type KnowledgeDesk,
  localKnowledgeDesk,
  remoteKnowledgeDesk,
} from '../src/cli/commands/knowledge.ts';
import { createRemoteClient } from '../src/cli/remote-client.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { localOperator } from '../src/sessions/local-operator.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

/**
 * `drydock knowledge`'s two desks, one scenario: this machine's store, and a server's /api/knowledge
 * over a real port with an admin token (what DRYDOCK_URL and DRYDOCK_TOKEN select).
 */
describe('drydock knowledge, embedded and against a server', () => {
  let harness: Harness;
  let server: RunningServer;

  beforeAll(async () => {
    harness = await createHarness();
    server = await startTestServer(harness);
  }, 60_000);

  afterAll(async () => {
    await server?.close(20_000);
    await harness?.close();
  });

  const desks: Array<[string, () => KnowledgeDesk, string]> = [
    ['embedded', () => localKnowledgeDesk(harness.store), localOperator().name],
    [
      'remote',
      () => remoteKnowledgeDesk(createRemoteClient(server.url, harness.tokens.admin)),
      'admin token',
    ],
  ];

  for (const [name, open, decider] of desks) {
    it(`${name}: lists by repo and status, shows, approves and rejects as ${decider}, adds and removes`, async () => {
      const desk = open();
      const repo = `acme/${name}`;
      const proposed = await harness.store.createKnowledge({
        repo,
        title: 'Pending pitfall',
        body: 'b',
        kind: 'pitfall',
        files: ['src/a.ts'],
        source: 'sess-1',
      });
      const other = await harness.store.createKnowledge({
        repo,
        title: 'Another',
        body: 'b',
        kind: 'setup',
        files: [],
        source: 'sess-1',
      });
      expect((await desk.list({ repo, status: 'pending' })).map((item) => item.id)).toEqual([
        proposed.id,
        other.id,
      ]);
      expect(await desk.show(proposed.id)).toEqual(proposed);

      expect(await desk.decide(proposed.id, 'approved')).toMatchObject({
        status: 'approved',
        decidedBy: decider,
      });
      expect(await desk.decide(other.id, 'rejected')).toMatchObject({
        status: 'rejected',
        decidedBy: decider,
      });
      expect((await desk.list({ repo, status: 'pending' })).map((item) => item.id)).toEqual([]);

      const added = await desk.add({ repo, title: 'By hand', body: 'Note.', kind: 'other', files: [] });
      expect(added).toMatchObject({ source: 'manual', status: 'approved', decidedBy: decider });
      expect((await desk.list({ repo, status: 'approved' })).map((item) => item.id)).toEqual([
        proposed.id,
        added.id,
      ]);

      await desk.remove(added.id);
      await expect(desk.show(added.id)).rejects.toMatchObject({ code: 'knowledge_not_found' });
      await expect(desk.remove(added.id)).rejects.toMatchObject({ code: 'knowledge_not_found' });
      await expect(desk.decide('missing', 'approved')).rejects.toMatchObject({ code: 'knowledge_not_found' });
      // Embedded or through the API, each change is in the audit log under the same action, by who made it.
      const audited = async (target: string) =>
        (await harness.store.listAudit({ target })).map((entry) => entry.action).reverse();
      expect(await audited(proposed.id)).toEqual(['knowledge.approve']);
      expect(await audited(other.id)).toEqual(['knowledge.reject']);
      const by = name === 'embedded' ? localOperator().name : 'admin token';
      // (The API's create names no target in its route, and its second, refused removal is recorded too.)
      const byHand = await harness.store.listAudit({ target: added.id });
      expect(byHand.map((entry) => entry.action)).toContain('knowledge.removed');
      expect(new Set(byHand.map((entry) => entry.actor.name))).toEqual(new Set([by]));
    });
  }
});
