import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conformingRequest } from '../../test/support/openapi-conformance.ts';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import type { TokenRole } from '../core/ports/store.ts';
import { createApp } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';

describe('/api/knowledge (in-process)', () => {
  let h: Harness;
  let request: ReturnType<typeof conformingRequest>;

  beforeEach(async () => {
    h = await createHarness();
    const app = createApp({
      sessions: h.deps,
      bus: createInProcessEventBus(),
      control: {
        wake: async () => {},
        cancel: async () => {
          throw new Error('unused');
        },
      },
      defaultModel: 'script:demo',
      allowScriptModels: false,
      version: '0.0.0-test',
    });
    // Every answer is checked against the route's declared (and documented) statuses and schemas.
    request = conformingRequest(app);
  });
  afterEach(() => h.close());

  const call = (role: TokenRole, method: string, path: string, body?: unknown) =>
    request(path, {
      method,
      headers: {
        authorization: `Bearer ${h.tokens[role]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('lets an admin add (approved by them), edit, decide and remove; members list and show', async () => {
    const added = await call('admin', 'POST', '/api/knowledge', {
      repo: 'acme/app',
      title: 'Money is in cents',
      body: 'Never floats.',
      kind: 'convention',
      files: ['src/money.ts'],
    });
    expect(added.status).toBe(201);
    const item = (await added.json()) as { id: string };
    expect(item).toMatchObject({ status: 'approved', source: 'manual', decidedBy: 'admin token' });

    const proposed = await h.store.createKnowledge({
      repo: 'acme/app',
      title: 'Pending',
      body: 'b',
      kind: 'pitfall',
      files: [],
      source: 'sess-1',
    });
    const listed = await call('member', 'GET', '/api/knowledge?repo=acme/app&status=pending');
    expect(((await listed.json()) as { items: Array<{ id: string }> }).items.map((each) => each.id)).toEqual([
      proposed.id,
    ]);
    expect((await call('member', 'GET', `/api/knowledge/${item.id}`)).status).toBe(200);

    const edited = await call('admin', 'PATCH', `/api/knowledge/${proposed.id}`, {
      title: 'Better',
      files: ['a.ts'],
    });
    expect(await edited.json()).toMatchObject({ title: 'Better', files: ['a.ts'], status: 'pending' });
    const rejected = await call('admin', 'POST', `/api/knowledge/${proposed.id}/reject`);
    expect(await rejected.json()).toMatchObject({ status: 'rejected', decidedBy: 'admin token' });
    const approved = await call('admin', 'POST', `/api/knowledge/${proposed.id}/approve`);
    expect(await approved.json()).toMatchObject({ status: 'approved' });

    expect((await call('admin', 'DELETE', `/api/knowledge/${proposed.id}`)).status).toBe(204);
    expect((await call('admin', 'DELETE', `/api/knowledge/${proposed.id}`)).status).toBe(404);
    expect((await call('member', 'GET', `/api/knowledge/${proposed.id}`)).status).toBe(404);
  });

  it('refuses curation to members, reading to viewers, and bad input with its fields', async () => {
    const item = await h.store.createKnowledge({
      repo: 'acme/app',
      title: 't',
      body: 'b',
      kind: 'other',
      files: [],
      source: 'sess-1',
    });
    expect((await call('member', 'POST', `/api/knowledge/${item.id}/approve`)).status).toBe(403);
    expect((await call('member', 'DELETE', `/api/knowledge/${item.id}`)).status).toBe(403);
    expect(
      (await call('member', 'POST', '/api/knowledge', { repo: 'a/b', title: 't', body: 'b' })).status,
    ).toBe(403);
    expect((await call('viewer', 'GET', '/api/knowledge')).status).toBe(403);
    expect((await h.store.getKnowledge(item.id))?.status).toBe('pending');

    const bad = await call('admin', 'POST', '/api/knowledge', {
      repo: 'a/b',
      title: '',
      body: 'b',
      kind: 'wisdom',
    });
    expect(bad.status).toBe(400);
    const { error } = (await bad.json()) as { error: { fields: Record<string, string> } };
    expect(Object.keys(error.fields).sort()).toEqual(['kind', 'title']);
    expect((await call('member', 'GET', '/api/knowledge?status=maybe')).status).toBe(400);
  });
});
