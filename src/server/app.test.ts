import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initRepository } from '../../test/support/git-repository.ts';
import { captureLogs } from '../../test/support/log-records.ts';
import { conformingRequest } from '../../test/support/openapi-conformance.ts';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import { DEMO_SCRIPT } from '../cli/demo/demo-script.ts';
import type { TokenRole } from '../core/ports/store.ts';
import { createInProcessQueue } from '../queue/in-process-queue.ts';
import { createApp, MAX_BODY_BYTES } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';
import { createSessionControl } from './session-control.ts';
import { hashToken } from './tokens.ts';

describe('HTTP API (in-process)', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;
  let wakes: number;
  let queue: ReturnType<typeof createInProcessQueue>;

  const build = (allowScriptModels: boolean) => {
    const bus = createInProcessEventBus();
    // No worker in this process: wake enqueues and cancel is real, sessions stay queued.
    const control = createSessionControl({ store: h.store, queue, worker: null });
    return createApp({
      sessions: h.deps,
      bus,
      control: {
        wake: async (id) => {
          wakes += 1;
          await control.wake(id);
        },
        cancel: (id) => control.cancel(id),
      },
      defaultModel: 'script:demo',
      allowScriptModels,
      version: '0.0.0-test',
      keepAliveMs: 50,
      eventPollMs: 50,
    });
  };

  beforeEach(async () => {
    h = await createHarness();
    wakes = 0;
    queue = createInProcessQueue();
    app = build(true);
    await h.register();
  });
  afterEach(async () => {
    await h.close();
  });

  const call = (
    method: string,
    path: string,
    options: { role?: TokenRole | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { ...options.headers };
    const role = options.role === undefined ? 'member' : options.role;
    if (role) headers.authorization = `Bearer ${h.tokens[role]}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    // Every answer is checked against the route's declared (and documented) statuses and schemas.
    return conformingRequest(app)(path, { method, headers, ...(body === undefined ? {} : { body }) });
  };
  const create = async (body: Record<string, unknown> = {}) => {
    const response = await call('POST', '/api/sessions', {
      body: { repo: h.repo, task: 'fix mean()', ...body },
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; state: string };
  };

  it('tells a token who it is: id, name, role, and the creator its sessions record', async () => {
    for (const role of ['viewer', 'member', 'admin'] as const) {
      const me = (await (await call('GET', '/api/me', { role })).json()) as Record<string, string>;
      expect(me).toMatchObject({ name: `${role} token`, role, creator: `token:${me.id}` });
      expect(JSON.stringify(me)).not.toContain(h.tokens[role]);
    }
    const created = await create();
    const me = (await (await call('GET', '/api/me')).json()) as { creator: string };
    expect((await h.store.getSession(created.id))?.createdBy?.id).toBe(me.creator);
    expect((await call('GET', '/api/me', { role: null })).status).toBe(401);
  });

  it("records the request's friend, else the server's default friend, and checks it like a model", async () => {
    const named = await create({ friendModel: 'script:demo' });
    expect((await h.store.getSession(named.id))?.friendModel).toBe('script:demo');
    const plain = await create();
    expect(await h.store.getSession(plain.id)).not.toHaveProperty('friendModel');
    const shown = (await (await call('GET', `/api/sessions/${named.id}`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(shown)).toContain('"friendModel":"script:demo"');

    const bad = await call('POST', '/api/sessions', {
      body: { repo: h.repo, task: 'x', friendModel: 'nonsense' },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'unknown_model', fields: { friendModel: expect.any(String) } },
    });
    app = build(false);
    const script = await call('POST', '/api/sessions', {
      body: { repo: h.repo, task: 'x', model: 'anthropic:claude-sonnet-4-5', friendModel: 'script:demo' },
    });
    expect(script.status).toBe(400);
    // Both problems at once: the friend's script is refused, and the model has no key here.
    expect(await script.json()).toMatchObject({
      error: {
        code: 'invalid_input',
        fields: { model: expect.stringContaining('ANTHROPIC_API_KEY'), friendModel: expect.any(String) },
      },
    });

    app = createApp({
      sessions: h.deps,
      bus: createInProcessEventBus(),
      control: createSessionControl({ store: h.store, queue, worker: null }),
      defaultModel: 'script:demo',
      defaultFriendModel: 'script:demo',
      allowScriptModels: true,
      version: '0.0.0-test',
    });
    const defaulted = await create();
    expect((await h.store.getSession(defaulted.id))?.friendModel).toBe('script:demo');
  });

  it('answers an unexpected failure with 500 and logs it, with the request, for the operator', async () => {
    const { log, records } = captureLogs();
    app = createApp({
      sessions: {
        ...h.deps,
        store: {
          ...h.store,
          listSessions: async () => {
            throw new Error('the disk is on fire');
          },
        },
      },
      bus: createInProcessEventBus(),
      control: createSessionControl({ store: h.store, queue, worker: null }),
      defaultModel: 'script:demo',
      allowScriptModels: true,
      version: '0.0.0-test',
      log,
    });
    // Straight to the app: no route documents a 500, which is the point of this one.
    const response = await app.request('/api/sessions', {
      headers: { authorization: `Bearer ${h.tokens.member}` },
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
      body: { repo: h.repo, task: 'x' },
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'role_too_low' } });
    expect((await call('GET', '/api/tokens', { role: 'member' })).status).toBe(403);
    expect(
      (await call('POST', '/api/tokens', { role: 'viewer', body: { name: 'x', role: 'admin' } })).status,
    ).toBe(403);
  });

  it('creates a queued session, wakes the worker, and lists and shows it', async () => {
    const created = await create();
    expect(created.state).toBe('queued');
    expect(wakes).toBe(1);
    expect(await queue.get('session', created.id)).toMatchObject({ state: 'pending' });
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
    const bad = await call('POST', '/api/sessions', { body: { repo: h.repo, task: 'x', mode: 'swarm' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { fields: { mode: expect.any(String) } } });
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

    const notRepo = await call('POST', '/api/sessions', { body: { repo: h.dir, task: 'x' } });
    expect(notRepo.status).toBe(400);
    expect(await notRepo.json()).toMatchObject({
      error: { code: 'repo_not_registered', fields: { repo: expect.any(String) } },
    });
  });

  it('accepts script: models only when allowed', async () => {
    app = build(false);
    const refused = await call('POST', '/api/sessions', {
      body: { repo: h.repo, task: 'x', model: 'script:demo' },
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'script_models_disabled' } });
    expect(await h.store.listSessions()).toEqual([]);
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
    await h.store.record(created.id, {
      events: [{ type: 'state.changed', from: 'queued', to: 'provisioning' }],
      patch: { state: 'provisioning' },
    });
    const cancelled = await call('POST', `/api/sessions/${created.id}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(await cancelled.json()).toEqual({ id: created.id, state: 'provisioning' });
    const events = await h.store.listEvents(created.id);
    expect(events.at(-1)?.data).toEqual({ type: 'cancel.requested' });
  });

  it('records a follow-up as message.received and answers its seq', async () => {
    const created = await create();
    const response = await call('POST', `/api/sessions/${created.id}/messages`, {
      body: { text: 'also add a test' },
    });
    expect(response.status).toBe(202);
    const { seq } = (await response.json()) as { seq: number };
    const events = await h.store.listEvents(created.id);
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

  it('refuses bodies over 1 MiB with 413', async () => {
    const response = await call('POST', '/api/sessions', {
      raw: JSON.stringify({ repo: h.repo, task: 'x'.repeat(MAX_BODY_BYTES) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'body_too_large' } });
  });

  it('serves an empty diff before the workspace exists, and artifacts with their content type', async () => {
    const created = await create();
    const diff = await call('GET', `/api/sessions/${created.id}/diff`, { role: 'viewer' });
    expect(diff.status).toBe(200);
    expect(diff.headers.get('content-type')).toContain('text/x-diff');
    expect(await diff.text()).toBe('');
    const artifact = await h.store.putArtifact({
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

  it('creates tokens for admins, shows the secret once, and the new token works', async () => {
    const created = await call('POST', '/api/tokens', {
      role: 'admin',
      body: { name: 'ci', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    const token = (await created.json()) as { id: string; role: string; token: string };
    expect(token.role).toBe('viewer');
    const withIt = await app.request('/api/sessions', {
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

  it("refuses sessions on repositories nobody registered, saying nothing about the server's disk", async () => {
    const other = join(h.dir, 'other');
    await mkdir(other);
    initRepository(other);
    const attacks = [
      '../../etc',
      '/proc/self/cwd',
      '/etc',
      h.dir,
      other,
      join(h.dir, 'missing'),
      'acme/app',
      'nope',
      '.',
    ];
    const messages = new Set<string>();
    for (const repo of attacks) {
      for (const role of ['member', 'admin'] as const) {
        const response = await call('POST', '/api/sessions', { role, body: { repo, task: 'read it' } });
        const text = await response.text();
        expect(response.status, repo).toBe(400);
        const body = JSON.parse(text) as {
          error: { code: string; message: string; fields: Record<string, string> };
        };
        expect(body.error.code, repo).toBe('repo_not_registered');
        expect(body.error.fields.repo).toBeDefined();
        expect(text, repo).not.toContain(process.cwd());
        expect(text, repo).not.toContain(h.dir);
        if (!repo.startsWith('/')) expect(text, repo).not.toContain(resolve(repo));
        messages.add(body.error.message);
      }
    }
    // One answer for all: whether a path exists or holds a repository does not show.
    expect(messages.size).toBe(1);
    expect(await h.store.listSessions()).toEqual([]);
    expect(wakes).toBe(0);
  });

  it('runs sessions on a registered repository named by its path or its id, on its real path', async () => {
    const [registered] = await h.store.listRepos();
    const byPath = await create({ repo: `${h.repo}/` });
    const byId = await create({ repo: registered!.id });
    for (const { id } of [byPath, byId]) expect((await h.store.getSession(id))?.repo).toBe(h.repo);
  });

  it('lets admins register and remove repositories, everyone list them, and refuses bad ones with a code', async () => {
    const listed = await call('GET', '/api/repos', { role: 'viewer' });
    expect(listed.status).toBe(200);
    const { repos } = (await listed.json()) as { repos: Array<{ id: string; repo: string; kind: string }> };
    expect(repos).toMatchObject([{ repo: h.repo, kind: 'local' }]);

    const other = join(h.dir, 'other');
    await mkdir(join(other, 'src'), { recursive: true });
    expect((await call('POST', '/api/repos', { role: 'member', body: { repo: other } })).status).toBe(403);
    for (const [repo, code] of [
      ['../../etc', 'repo_path_not_absolute'],
      ['/proc/self/cwd', 'repo_path_forbidden'],
      [`${other}/../other`, 'repo_path_dot_dot'],
      [join(h.dir, 'missing'), 'repo_not_found'],
      [other, 'not_a_git_repository'],
      [h.repo, 'repo_already_registered'],
      [join(h.deps.home, 'repos'), 'repo_path_forbidden'],
    ] as const) {
      const response = await call('POST', '/api/repos', { role: 'admin', body: { repo } });
      const text = await response.text();
      expect(response.status, repo).toBe(code === 'repo_already_registered' ? 409 : 400);
      expect(JSON.parse(text).error.code, repo).toBe(code);
      expect(text, repo).not.toContain(process.cwd());
    }
    execFileSync('git', ['init', '--quiet', other]);
    expect(
      (await call('POST', '/api/repos', { role: 'admin', body: { repo: join(other, 'src') } })).status,
    ).toBe(400);
    const added = await call('POST', '/api/repos', { role: 'admin', body: { repo: other } });
    expect(added.status).toBe(201);
    const repo = (await added.json()) as { id: string; repo: string; kind: string; addedBy: string };
    expect(repo).toMatchObject({ repo: other, kind: 'local', addedBy: 'admin token' });
    const forge = await call('POST', '/api/repos', { role: 'admin', body: { repo: 'Acme/App' } });
    const forgeRepo = (await forge.json()) as { id: string; review: { pullRequests: boolean } };
    expect(forgeRepo).toMatchObject({ repo: 'acme/app', kind: 'forge' });
    // Registered, but this server has no forge to clone it with: said so, nothing created.
    const noForge = await call('POST', '/api/sessions', { body: { repo: 'acme/app', task: 'x' } });
    expect(await noForge.json()).toMatchObject({ error: { code: 'forge_not_configured' } });
    expect(await h.store.listSessions()).toEqual([]);

    // Reviewing pull requests: off when registered, an admin's switch, on forge repositories only.
    expect(forgeRepo.review).toEqual({ pullRequests: false });
    const turnOn = { review: { pullRequests: true } };
    expect((await call('PATCH', `/api/repos/${forgeRepo.id}`, { role: 'member', body: turnOn })).status).toBe(
      403,
    );
    const on = await call('PATCH', `/api/repos/${forgeRepo.id}`, { role: 'admin', body: turnOn });
    expect(on.status).toBe(200);
    expect(await on.json()).toMatchObject({ repo: 'acme/app', review: { pullRequests: true } });
    expect((await h.store.findRepo('acme/app'))?.review.pullRequests).toBe(true);
    const local = await call('PATCH', `/api/repos/${repo.id}`, { role: 'admin', body: turnOn });
    expect(local.status).toBe(400);
    expect(await local.json()).toMatchObject({ error: { code: 'review_needs_forge_repo' } });
    // A GitLab project registers by its prefixed name; sessions on it need a GitLab forge, said with what to set.
    const gitlab = await call('POST', '/api/repos', {
      role: 'admin',
      body: { repo: 'gitlab:Acme/Platform/App' },
    });
    const gitlabRepo = (await gitlab.json()) as { id: string };
    expect(gitlabRepo).toMatchObject({ repo: 'gitlab:acme/platform/app', kind: 'forge' });
    const noGitlab = await call('POST', '/api/sessions', {
      body: { repo: 'gitlab:acme/platform/app', task: 'x' },
    });
    expect(await noGitlab.json()).toMatchObject({
      error: { code: 'forge_not_configured', message: expect.stringContaining('DRYDOCK_GITLAB_TOKEN') },
    });
    // Its merge requests are reviewed like GitHub's pull requests (test/gitlab-review.test.ts).
    const gitlabReview = await call('PATCH', `/api/repos/${gitlabRepo.id}`, { role: 'admin', body: turnOn });
    expect(gitlabReview.status).toBe(200);
    expect(await gitlabReview.json()).toMatchObject({
      repo: 'gitlab:acme/platform/app',
      review: { pullRequests: true },
    });
    expect((await h.store.findRepo('gitlab:acme/platform/app'))?.review.pullRequests).toBe(true);
    const gitea = await call('POST', '/api/repos', { role: 'admin', body: { repo: 'gitea:Acme/App' } });
    const giteaRepo = (await gitea.json()) as { id: string };
    expect(giteaRepo).toMatchObject({ repo: 'gitea:acme/app', kind: 'forge' });
    const giteaReview = await call('PATCH', `/api/repos/${giteaRepo.id}`, { role: 'admin', body: turnOn });
    expect(await giteaReview.json()).toMatchObject({ error: { code: 'forge_review_not_supported' } });
    const bad = await call('PATCH', `/api/repos/${forgeRepo.id}`, {
      role: 'admin',
      body: { review: { pullRequests: 'yes' } },
    });
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_input' } });
    expect((await call('PATCH', '/api/repos/missing', { role: 'admin', body: turnOn })).status).toBe(404);

    expect((await call('DELETE', `/api/repos/${repo.id}`, { role: 'member' })).status).toBe(403);
    expect((await call('DELETE', `/api/repos/${repo.id}`, { role: 'admin' })).status).toBe(204);
    expect((await call('DELETE', `/api/repos/${repo.id}`, { role: 'admin' })).status).toBe(404);
    const refused = await call('POST', '/api/sessions', { body: { repo: other, task: 'x' } });
    expect(await refused.json()).toMatchObject({ error: { code: 'repo_not_registered' } });
  });

  it('lets a member cancel and message only the sessions it started; admins any; viewers none', async () => {
    const other = 'dd_other-member-secret';
    await h.store.createToken({ name: 'bob', role: 'member', tokenHash: hashToken(other) });
    const as = (token: string) => ({ role: null, headers: { authorization: `Bearer ${token}` } });
    const mine = await create();
    const bobs = (await (
      await call('POST', '/api/sessions', { ...as(other), body: { repo: h.repo, task: 'bob asks' } })
    ).json()) as { id: string };
    const admins = (await (
      await call('POST', '/api/sessions', { role: 'admin', body: { repo: h.repo, task: 'admin asks' } })
    ).json()) as { id: string };
    // A trigger's session, and one from before sessions recorded their creator.
    const created = await h.store.getSession(mine.id);
    await h.store.createSession({
      ...created!,
      id: 'from-github',
      createdBy: { id: 'github:octocat', name: 'octocat' },
    });
    const { createdBy: _, ...legacy } = created!;
    await h.store.createSession({ ...legacy, id: 'legacy' });
    expect(created?.createdBy).toEqual({ id: expect.stringMatching(/^token:/), name: 'member token' });

    const steer = async (
      id: string,
      who: { role?: 'viewer' | 'member' | 'admin' | null; headers?: Record<string, string> },
    ) => {
      const before = (await h.store.listEvents(id)).length;
      const message = await call('POST', `/api/sessions/${id}/messages`, { ...who, body: { text: 'hello' } });
      const cancel = await call('POST', `/api/sessions/${id}/cancel`, who);
      const codes = [message.status, cancel.status];
      const bodies = [await message.text(), await cancel.text()];
      if (codes.every((code) => code === 403)) {
        // Refused: nothing happened to the session.
        expect((await h.store.listEvents(id)).length).toBe(before);
        expect((await h.store.getSession(id))?.state).toBe('queued');
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
    const scripts = join(h.deps.home, 'scripts');
    await mkdir(scripts, { recursive: true });
    await symlink('/etc/passwd', join(scripts, 'passwd.json'));
    await writeFile(join(scripts, 'copied.json'), readable('/etc/passwd'));
    await writeFile(join(scripts, 'fix.json'), JSON.stringify(DEMO_SCRIPT));
    // A valid script outside the directory is refused as well: the server reads no file outside it.
    await writeFile(join(h.dir, 'outside.json'), JSON.stringify(DEMO_SCRIPT));
    for (const model of [
      `script:${join(h.dir, 'outside.json')}`,
      'script:../outside.json',
      'script:../../outside.json',
    ]) {
      const response = await call('POST', '/api/sessions', { body: { repo: h.repo, task: 'x', model } });
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
      const response = await call('POST', '/api/sessions', { body: { repo: h.repo, task: 'x', model } });
      const text = await response.text();
      expect(response.status, model).toBe(400);
      expect(['script_path_not_allowed', 'invalid_script', 'unknown_script'], model).toContain(
        JSON.parse(text).error.code,
      );
      expect(JSON.parse(text).error.fields.model, model).toBeDefined();
      for (const line of secretLines) expect(text, model).not.toContain(line);
      expect(text, model).not.toContain(h.deps.home);
      expect(text, model).not.toContain(process.cwd());
    }
    expect(await h.store.listSessions()).toEqual([]);
    // A script in the directory, and the built-in ones, still work.
    expect(
      (await call('POST', '/api/sessions', { body: { repo: h.repo, task: 'x', model: 'script:fix.json' } }))
        .status,
    ).toBe(201);
    expect(
      (await call('POST', '/api/sessions', { body: { repo: h.repo, task: 'x', model: 'script:demo' } }))
        .status,
    ).toBe(201);
  });
});
