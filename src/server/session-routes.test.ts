import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useInProcessApi } from '../../test/support/in-process-api.ts';
import { DEMO_SCRIPT } from '../cli/demo/demo-script.ts';
import { createApp } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';
import { createSessionControl } from './session-control.ts';
import { hashToken } from './tokens.ts';

describe('HTTP API sessions (in-process)', () => {
  const api = useInProcessApi();
  const { build, call, create } = api;

  it("records the request's friend, else the server's default friend, and checks it like a model", async () => {
    const named = await create({ friendModel: 'script:demo' });
    expect((await api.h.store.getSession(named.id))?.friendModel).toBe('script:demo');
    const plain = await create();
    expect(await api.h.store.getSession(plain.id)).not.toHaveProperty('friendModel');
    const shown = (await (await call('GET', `/api/sessions/${named.id}`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(shown)).toContain('"friendModel":"script:demo"');

    const bad = await call('POST', '/api/sessions', {
      body: { repo: api.h.repo, task: 'x', friendModel: 'nonsense' },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'unknown_model', fields: { friendModel: expect.any(String) } },
    });
    api.app = build(false);
    const script = await call('POST', '/api/sessions', {
      body: { repo: api.h.repo, task: 'x', model: 'anthropic:claude-sonnet-4-5', friendModel: 'script:demo' },
    });
    expect(script.status).toBe(400);
    // Both problems at once: the friend's script is refused, and the model has no key here.
    expect(await script.json()).toMatchObject({
      error: {
        code: 'invalid_input',
        fields: { model: expect.stringContaining('ANTHROPIC_API_KEY'), friendModel: expect.any(String) },
      },
    });

    api.app = createApp({
      sessions: api.h.deps,
      bus: createInProcessEventBus(),
      control: createSessionControl({ store: api.h.store, queue: api.queue, worker: null }),
      defaultModel: 'script:demo',
      defaultFriendModel: 'script:demo',
      allowScriptModels: true,
      version: '0.0.0-test',
    });
    const defaulted = await create();
    expect((await api.h.store.getSession(defaulted.id))?.friendModel).toBe('script:demo');
  });

  it('creates a queued session, wakes the worker, and lists and shows it', async () => {
    const created = await create();
    expect(created.state).toBe('queued');
    expect(api.wakes).toBe(1);
    expect(await api.queue.get('session', created.id)).toMatchObject({ state: 'pending' });
    const list = (await (await call('GET', '/api/sessions?state=queued', { role: 'viewer' })).json()) as {
      sessions: Array<{ id: string }>;
    };
    expect(list.sessions.map((session) => session.id)).toEqual([created.id]);
    const other = (await (await call('GET', '/api/sessions?state=delivered')).json()) as {
      sessions: unknown[];
    };
    expect(other.sessions).toEqual([]);
    const shown = await call('GET', `/api/sessions/${created.id}`, { role: 'viewer' });
    expect(shown.status).toBe(200);
    expect(await shown.json()).toMatchObject({
      id: created.id,
      state: 'queued',
      task: 'fix mean()',
      model: 'script:demo',
      artifacts: [],
    });
  });

  it('creates a manager session with mode: manager, shown with its kind; refuses an unknown mode', async () => {
    const created = await create({ mode: 'manager' });
    const shown = await call('GET', `/api/sessions/${created.id}`, { role: 'viewer' });
    expect(await shown.json()).toMatchObject({ id: created.id, kind: 'manager' });
    const plain = await create();
    expect(await (await call('GET', `/api/sessions/${plain.id}`)).json()).not.toHaveProperty('kind');
    const bad = await call('POST', '/api/sessions', { body: { repo: api.h.repo, task: 'x', mode: 'swarm' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { fields: { mode: expect.any(String) } } });
  });

  it('accepts script: models only when allowed', async () => {
    api.app = build(false);
    const refused = await call('POST', '/api/sessions', {
      body: { repo: api.h.repo, task: 'x', model: 'script:demo' },
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'script_models_disabled' } });
    expect(await api.h.store.listSessions()).toEqual([]);
  });

  it('cancels a queued session (202), then answers 409 for the ended one', async () => {
    const created = await create();
    const cancelled = await call('POST', `/api/sessions/${created.id}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(await cancelled.json()).toEqual({ id: created.id, state: 'cancelled' });
    const again = await call('POST', `/api/sessions/${created.id}/cancel`);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'session_ended' } });
    const message = await call('POST', `/api/sessions/${created.id}/messages`, { body: { text: 'more' } });
    expect(message.status).toBe(409);
    expect((await call('GET', `/api/sessions/${created.id}/patch`)).status).toBe(409);
  });

  it('asks the worker of a session running in another process to cancel it: a cancel.requested event', async () => {
    const created = await create();
    // What a worker elsewhere records when it picks the session.
    await api.h.store.record(created.id, {
      events: [{ type: 'state.changed', from: 'queued', to: 'provisioning' }],
      patch: { state: 'provisioning' },
    });
    const cancelled = await call('POST', `/api/sessions/${created.id}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(await cancelled.json()).toEqual({ id: created.id, state: 'provisioning' });
    const events = await api.h.store.listEvents(created.id);
    expect(events.at(-1)?.data).toEqual({ type: 'cancel.requested' });
  });

  it('records a follow-up as message.received and answers its seq', async () => {
    const created = await create();
    const response = await call('POST', `/api/sessions/${created.id}/messages`, {
      body: { text: 'also add a test' },
    });
    expect(response.status).toBe(202);
    const { seq } = (await response.json()) as { seq: number };
    const events = await api.h.store.listEvents(created.id);
    expect(events.find((event) => event.seq === seq)?.data).toEqual({
      type: 'message.received',
      text: 'also add a test',
      // Who sent it: the member's token, by id and name.
      by: expect.stringMatching(/^token:/),
      byName: 'member token',
    });
    expect(
      (await call('POST', `/api/sessions/${created.id}/messages`, { body: { text: '  ' } })).status,
    ).toBe(400);
  });

  it('serves an empty diff before the workspace exists, and artifacts with their content type', async () => {
    const created = await create();
    const diff = await call('GET', `/api/sessions/${created.id}/diff`, { role: 'viewer' });
    expect(diff.status).toBe(200);
    expect(diff.headers.get('content-type')).toContain('text/x-diff');
    expect(await diff.text()).toBe('');
    const artifact = await api.h.store.putArtifact({
      sessionId: created.id,
      name: 'report.md',
      contentType: 'text/markdown',
      content: '# why',
    });
    const fetched = await call('GET', `/api/sessions/${created.id}/artifacts/${artifact.id}`, {
      role: 'viewer',
    });
    expect(fetched.headers.get('content-type')).toBe('text/markdown');
    expect(await fetched.text()).toBe('# why');
    const shown = (await (await call('GET', `/api/sessions/${created.id}`)).json()) as {
      artifacts: unknown[];
    };
    expect(shown.artifacts).toEqual([
      { id: artifact.id, name: 'report.md', contentType: 'text/markdown', createdAt: artifact.createdAt },
    ]);
  });

  it('lets a member cancel and message only the sessions it started; admins any; viewers none', async () => {
    const other = 'dd_other-member-secret';
    await api.h.store.createToken({ name: 'bob', role: 'member', tokenHash: hashToken(other) });
    const as = (token: string) => ({ role: null, headers: { authorization: `Bearer ${token}` } });
    const mine = await create();
    const bobs = (await (
      await call('POST', '/api/sessions', { ...as(other), body: { repo: api.h.repo, task: 'bob asks' } })
    ).json()) as { id: string };
    const admins = (await (
      await call('POST', '/api/sessions', { role: 'admin', body: { repo: api.h.repo, task: 'admin asks' } })
    ).json()) as { id: string };
    // A trigger's session, and one from before sessions recorded their creator.
    const created = await api.h.store.getSession(mine.id);
    await api.h.store.createSession({
      ...created!,
      id: 'from-github',
      createdBy: { id: 'github:octocat', name: 'octocat' },
    });
    const { createdBy: _, ...legacy } = created!;
    await api.h.store.createSession({ ...legacy, id: 'legacy' });
    expect(created?.createdBy).toEqual({ id: expect.stringMatching(/^token:/), name: 'member token' });

    const steer = async (
      id: string,
      who: { role?: 'viewer' | 'member' | 'admin' | null; headers?: Record<string, string> },
    ) => {
      const before = (await api.h.store.listEvents(id)).length;
      const message = await call('POST', `/api/sessions/${id}/messages`, { ...who, body: { text: 'hello' } });
      const cancel = await call('POST', `/api/sessions/${id}/cancel`, who);
      const codes = [message.status, cancel.status];
      const bodies = [await message.text(), await cancel.text()];
      if (codes.every((code) => code === 403)) {
        // Refused: nothing happened to the session.
        expect((await api.h.store.listEvents(id)).length).toBe(before);
        expect((await api.h.store.getSession(id))?.state).toBe('queued');
      }
      return { codes, bodies };
    };
    const member = { role: 'member' as const };
    const owner = await steer(mine.id, member);
    expect(owner.codes).toEqual([202, 202]);
    for (const id of [bobs.id, admins.id, 'from-github', 'legacy']) {
      const refused = await steer(id, member);
      expect(refused.codes, id).toEqual([403, 403]);
      for (const body of refused.bodies) expect(JSON.parse(body).error.code).toBe('not_session_owner');
    }
    expect((await steer(bobs.id, as(other))).codes).toEqual([202, 202]);
    for (const id of [admins.id, 'from-github', 'legacy']) {
      expect((await steer(id, { role: 'viewer' })).codes, id).toEqual([403, 403]);
      expect((await steer(id, { role: 'admin' })).codes, id).toEqual([202, 202]);
    }
    expect((await call('POST', '/api/sessions/nope/cancel', member)).status).toBe(404);
  });

  it('reads script: models only from the scripts directory, and never shows a line of a file it refused', async () => {
    const readable = (path: string) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return ''; // not root: /etc/shadow is not readable, so it cannot leak either
      }
    };
    const secretLines = ['/etc/shadow', '/etc/passwd']
      .flatMap((path) => readable(path).split('\n'))
      .filter((line) => line.length > 8);
    expect(secretLines.length).toBeGreaterThan(0);
    const scripts = join(api.h.deps.home, 'scripts');
    await mkdir(scripts, { recursive: true });
    await symlink('/etc/passwd', join(scripts, 'passwd.json'));
    await writeFile(join(scripts, 'copied.json'), readable('/etc/passwd'));
    await writeFile(join(scripts, 'fix.json'), JSON.stringify(DEMO_SCRIPT));
    // A valid script outside the directory is refused as well: the server reads no file outside it.
    await writeFile(join(api.h.dir, 'outside.json'), JSON.stringify(DEMO_SCRIPT));
    for (const model of [
      `script:${join(api.h.dir, 'outside.json')}`,
      'script:../outside.json',
      'script:../../outside.json',
    ]) {
      const response = await call('POST', '/api/sessions', { body: { repo: api.h.repo, task: 'x', model } });
      expect(response.status, model).toBe(400);
      expect((await response.json()) as unknown, model).toMatchObject({
        error: { code: 'script_path_not_allowed' },
      });
    }
    for (const model of [
      'script:/etc/shadow',
      'script:../../etc/passwd',
      'script:/proc/self/environ',
      'script:passwd.json',
      'script:copied.json',
      'script:missing.json',
    ]) {
      const response = await call('POST', '/api/sessions', { body: { repo: api.h.repo, task: 'x', model } });
      const text = await response.text();
      expect(response.status, model).toBe(400);
      expect(['script_path_not_allowed', 'invalid_script', 'unknown_script'], model).toContain(
        JSON.parse(text).error.code,
      );
      expect(JSON.parse(text).error.fields.model, model).toBeDefined();
      for (const line of secretLines) expect(text, model).not.toContain(line);
      expect(text, model).not.toContain(api.h.deps.home);
      expect(text, model).not.toContain(process.cwd());
    }
    expect(await api.h.store.listSessions()).toEqual([]);
    // A script in the directory, and the built-in ones, still work.
    expect(
      (
        await call('POST', '/api/sessions', {
          body: { repo: api.h.repo, task: 'x', model: 'script:fix.json' },
        })
      ).status,
    ).toBe(201);
    expect(
      (await call('POST', '/api/sessions', { body: { repo: api.h.repo, task: 'x', model: 'script:demo' } }))
        .status,
    ).toBe(201);
  });
});
