import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import type { Session } from '../src/core/session.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { FIXER, REGRESSOR } from './support/attempt-scripts.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

/** Best of N over the API: POST /api/sessions with `attempts` or `models`, run by the server's worker. */
describe('attempts over the API', { timeout: 90_000 }, () => {
  let h: Harness;
  let server: RunningServer;

  beforeEach(async () => {
    h = await createHarness();
    h.scripts.fixer = FIXER;
    h.scripts.regressor = REGRESSOR;
    await h.register();
    server = await startTestServer(h);
  });
  afterEach(async () => {
    await server.close(10_000);
    await h.close();
  });

  const api = async (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${h.tokens.member}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
  const waitForEnd = async (id: string): Promise<Session> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const session = await json<Session>(await api('GET', `/api/sessions/${id}`));
      if (['delivered', 'bowed_out', 'failed', 'cancelled'].includes(session.state)) return session;
      if (Date.now() > deadline) throw new Error(`session ${id} is still ${session.state}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('runs the attempts a POST asks for and delivers the one branch; an attempt takes no message', async () => {
    const created = await api('POST', '/api/sessions', {
      repo: h.repo,
      task: DEMO_TASK,
      model: 'script:fixer',
      models: ['script:regressor', 'script:fixer'],
    });
    expect(created.status).toBe(201);
    const { id } = await json<{ id: string }>(created);
    const parent = await waitForEnd(id);
    expect(parent).toMatchObject({
      state: 'delivered',
      kind: 'attempts',
      attemptModels: ['script:regressor', 'script:fixer'],
    });
    const branches = execFileSync('git', ['branch', '--format=%(refname:short)'], {
      cwd: h.repo,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((b) => b.startsWith('drydock/'));
    expect(branches).toEqual([parent.branch]);

    const children = await h.store.listSessions({ parentId: id, order: 'oldest' });
    expect(children.map((c) => [c.model, c.state])).toEqual([
      ['script:regressor', 'bowed_out'],
      ['script:fixer', 'delivered'],
    ]);
    const child = await json<Session>(await api('GET', `/api/sessions/${children[1]!.id}`));
    expect(child).toMatchObject({ kind: 'attempt', parentId: id, branch: null });

    const message = await api('POST', `/api/sessions/${children[1]!.id}/messages`, { text: 'more' });
    expect(message.status).toBe(409);
    expect(await json(message)).toMatchObject({
      error: {
        code: 'attempt_not_steerable',
        message: expect.stringContaining(`message the parent session ${id}`),
      },
    });
  });

  it("holds each attempt's model to the server's model policy: no script: models where they are disabled", async () => {
    const strict = await startTestServer(h, { allowScriptModels: false });
    try {
      const response = await fetch(`${strict.url}/api/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.tokens.member}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          repo: h.repo,
          task: DEMO_TASK,
          models: ['script:fixer', 'script:regressor'],
        }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { fields?: Record<string, string> } };
      expect(body.error.fields?.models).toMatch(/script: models are disabled/);
      expect(await h.store.listSessions()).toEqual([]);
    } finally {
      await strict.close(10_000);
    }
  });

  it('refuses attempts with models, and counts out of range, naming the fields; writes nothing', async () => {
    const both = await api('POST', '/api/sessions', {
      repo: h.repo,
      task: DEMO_TASK,
      attempts: 2,
      models: ['script:demo', 'script:demo'],
    });
    expect(both.status).toBe(400);
    expect(await json(both)).toMatchObject({
      error: {
        code: 'bad_attempts',
        fields: { attempts: expect.any(String), models: expect.any(String) },
      },
    });
    const one = await api('POST', '/api/sessions', { repo: h.repo, task: DEMO_TASK, attempts: 1 });
    expect(one.status).toBe(400);
    expect(await json(one)).toMatchObject({
      error: { fields: { attempts: expect.any(String) } },
    });
    const unknown = await api('POST', '/api/sessions', {
      repo: h.repo,
      task: DEMO_TASK,
      models: ['script:demo', 'nosuch:model'],
    });
    expect(unknown.status).toBe(400);
    expect(await json(unknown)).toMatchObject({
      error: { fields: { models: expect.stringContaining('nosuch:model') } },
    });
    expect(await h.store.listSessions({})).toEqual([]);
  });
});
