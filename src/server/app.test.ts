import { describe, expect, it } from 'vitest';
import { useInProcessApi } from '../../test/support/in-process-api.ts';
import { captureLogs } from '../../test/support/log-records.ts';
import { createApp, MAX_BODY_BYTES } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';
import { createSessionControl } from './session-control.ts';

describe('HTTP API (in-process)', () => {
  const api = useInProcessApi();
  const { call, create } = api;

  it('tells a token who it is: id, name, role, and the creator its sessions record', async () => {
    for (const role of ['viewer', 'member', 'admin'] as const) {
      const me = (await (await call('GET', '/api/me', { role })).json()) as Record<string, string>;
      expect(me).toMatchObject({ name: `${role} token`, role, creator: `token:${me.id}` });
      expect(JSON.stringify(me)).not.toContain(api.h.tokens[role]);
    }
    const created = await create();
    const me = (await (await call('GET', '/api/me')).json()) as { creator: string };
    expect((await api.h.store.getSession(created.id))?.createdBy?.id).toBe(me.creator);
    expect((await call('GET', '/api/me', { role: null })).status).toBe(401);
  });

  it('answers an unexpected failure with 500 and logs it, with the request, for the operator', async () => {
    const { log, records } = captureLogs();
    api.app = createApp({
      sessions: {
        ...api.h.deps,
        store: {
          ...api.h.store,
          listSessions: async () => {
            throw new Error('the disk is on fire');
          },
        },
      },
      bus: createInProcessEventBus(),
      control: createSessionControl({ store: api.h.store, queue: api.queue, worker: null }),
      defaultModel: 'script:demo',
      allowScriptModels: true,
      version: '0.0.0-test',
      log,
    });
    // Straight to the app: no route documents a 500, which is the point of this one.
    const response = await api.app.request('/api/sessions', {
      headers: { authorization: `Bearer ${api.h.tokens.member}` },
    });
    expect(response.status).toBe(500);
    expect(JSON.stringify(await response.json())).not.toContain('the disk is on fire');
    expect(records).toEqual([
      expect.objectContaining({
        level: 50,
        component: 'http',
        msg: 'request failed',
        method: 'GET',
        path: '/api/sessions',
        err: expect.objectContaining({ message: 'the disk is on fire' }),
      }),
    ]);
    // A refusal is the client's business, not the operator's.
    await call('GET', '/api/sessions', { role: null });
    expect(records).toHaveLength(1);
  });

  it('answers health without a token', async () => {
    const response = await call('GET', '/api/health', { role: null });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, version: '0.0.0-test' });
  });

  it('refuses requests without a known token with 401', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic abc' }] as Array<
      Record<string, string>
    >) {
      const response = await call('GET', '/api/sessions', { role: null, headers });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: { code: string } };
      expect(['missing_token', 'unknown_token', 'invalid_authorization']).toContain(body.error.code);
    }
  });

  it('lets viewers read but not create (403), members create but not manage tokens', async () => {
    expect((await call('GET', '/api/sessions', { role: 'viewer' })).status).toBe(200);
    const refused = await call('POST', '/api/sessions', {
      role: 'viewer',
      body: { repo: api.h.repo, task: 'x' },
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'role_too_low' } });
    expect((await call('GET', '/api/tokens', { role: 'member' })).status).toBe(403);
    expect(
      (await call('POST', '/api/tokens', { role: 'viewer', body: { name: 'x', role: 'admin' } })).status,
    ).toBe(403);
  });

  it('answers 400 with field errors for invalid bodies and queries', async () => {
    const missing = await call('POST', '/api/sessions', { body: { repo: '', task: 3 } });
    expect(missing.status).toBe(400);
    const body = (await missing.json()) as { error: { code: string; fields: Record<string, string> } };
    expect(body.error.code).toBe('invalid_input');
    expect(Object.keys(body.error.fields).sort()).toEqual(['repo', 'task']);

    const notJson = await call('POST', '/api/sessions', { raw: '{"repo":' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: 'invalid_json' } });

    const badQuery = await call('GET', '/api/sessions?state=sleeping&limit=0');
    expect(badQuery.status).toBe(400);
    expect(await badQuery.json()).toMatchObject({ error: { fields: { state: expect.any(String) } } });

    const notRepo = await call('POST', '/api/sessions', { body: { repo: api.h.dir, task: 'x' } });
    expect(notRepo.status).toBe(400);
    expect(await notRepo.json()).toMatchObject({
      error: { code: 'repo_not_registered', fields: { repo: expect.any(String) } },
    });
  });

  it('answers 404 for unknown sessions, artifacts and routes', async () => {
    for (const path of [
      '/api/sessions/nope',
      '/api/sessions/nope/diff',
      '/api/sessions/nope/patch',
      '/api/sessions/nope/events',
      '/api/no-such-route',
    ]) {
      const response = await call('GET', path);
      expect(response.status, path).toBe(404);
    }
    const created = await create();
    expect((await call('GET', `/api/sessions/${created.id}/artifacts/nope`)).status).toBe(404);
    expect((await call('POST', '/api/sessions/nope/cancel')).status).toBe(404);
    expect((await call('POST', '/api/sessions/nope/messages', { body: { text: 'hi' } })).status).toBe(404);
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const response = await call('POST', '/api/sessions', {
      raw: JSON.stringify({ repo: api.h.repo, task: 'x'.repeat(MAX_BODY_BYTES) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'body_too_large' } });
  });

  it('creates tokens for admins, shows the secret once, and the new token works', async () => {
    const created = await call('POST', '/api/tokens', {
      role: 'admin',
      body: { name: 'ci', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    const token = (await created.json()) as { id: string; role: string; token: string };
    expect(token.role).toBe('viewer');
    const withIt = await api.app.request('/api/sessions', {
      headers: { authorization: `Bearer ${token.token}` },
    });
    expect(withIt.status).toBe(200);
    const list = (await (await call('GET', '/api/tokens', { role: 'admin' })).json()) as {
      tokens: Array<Record<string, unknown>>;
    };
    expect(list.tokens.map((t) => t.name).sort()).toEqual([
      'admin token',
      'ci',
      'member token',
      'viewer token',
    ]);
    expect(JSON.stringify(list)).not.toContain(token.token);
    expect(Object.keys(list.tokens[0]!).sort()).toEqual(['createdAt', 'id', 'name', 'role']);
    const bad = await call('POST', '/api/tokens', { role: 'admin', body: { name: 'x', role: 'root' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { fields: { role: expect.any(String) } } });
  });
});
