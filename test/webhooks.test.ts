import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createApp } from '../src/server/app.ts';
import { createInProcessEventBus } from '../src/server/event-bus.ts';
import { conformingRequest } from './support/openapi-conformance.ts';
import { createHarness, type Harness } from './support/server-harness.ts';

const HOOK_SECRET = 'hook-secret-0123456789';

/** Signed generic and Sentry webhooks, and their configuration through the API, in process. */
describe('webhooks and their configuration', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;
  let woken = 0;
  const nowMs = Date.parse('2025-06-01T12:00:00Z');

  beforeEach(async () => {
    h = await createHarness();
    await h.register();
    woken = 0;
    app = createApp({
      sessions: { ...h.deps, clock: { now: () => new Date(nowMs) } },
      bus: createInProcessEventBus(),
      control: {
        wake: async () => void woken++,
        cancel: async () => {
          throw new Error('unused');
        },
      },
      defaultModel: 'script:demo',
      allowScriptModels: true,
      version: 'test',
      triggers: {
        forge: null,
        githubWebhookSecret: null,
        publicUrl: 'http://x',
        secrets: createSecretBox(Buffer.alloc(32, 1)),
      },
    });
  });
  afterEach(() => h.close());

  const api = (method: string, path: string, body?: unknown, role: 'admin' | 'member' | 'viewer' = 'admin') =>
    conformingRequest(app)(path, {
      method,
      headers: { authorization: `Bearer ${h.tokens[role]}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const sign = (body: string, timestamp: number) =>
    `sha256=${createHmac('sha256', HOOK_SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
  const deliver = (name: string, body: string, headers: Record<string, string>) =>
    conformingRequest(app)(`/webhooks/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('a signed alert starts one session from the template; bad, stale and repeated deliveries do not', async () => {
    const created = await api('POST', '/api/hooks', {
      name: 'alerts',
      secret: HOOK_SECRET,
      repo: h.repo,
      template: 'Investigate: {{ payload.alert.title }}',
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(await created.json())).not.toContain(HOOK_SECRET);
    expect((await h.store.findTrigger('hook', 'alerts'))?.secret).not.toContain(HOOK_SECRET);
    expect((await api('GET', '/api/hooks', undefined, 'member')).status).toBe(403);

    const body = JSON.stringify({ alert: { title: 'mean() is wrong' } });
    const ts = nowMs / 1000;
    const ok = {
      'x-drydock-timestamp': String(ts),
      'x-drydock-signature': sign(body, ts),
      'idempotency-key': 'k1',
    };
    expect((await deliver('alerts', body, { ...ok, 'x-drydock-signature': sign('{}', ts) })).status).toBe(
      401,
    );
    expect((await deliver('alerts', body, { ...ok, 'x-drydock-signature': '' })).status).toBe(401);
    const stale = ts - 3600;
    expect(
      (
        await deliver('alerts', body, {
          ...ok,
          'x-drydock-timestamp': String(stale),
          'x-drydock-signature': sign(body, stale),
        })
      ).status,
    ).toBe(401);
    expect(await h.store.listSessions()).toEqual([]);

    const first = (await (await deliver('alerts', body, ok)).json()) as { sessionId: string };
    const again = await (await deliver('alerts', body, ok)).json();
    expect(again).toMatchObject({ sessionId: first.sessionId, duplicate: true });
    const sessions = await h.store.listSessions();
    expect(sessions.map((s) => s.task)).toEqual(['Investigate: mean() is wrong']);
    expect(woken).toBe(1);
    expect((await deliver('nope', body, ok)).status).toBe(404);
  });

  it('a captured signed delivery replayed with a new or no Idempotency-Key starts nothing', async () => {
    await api('POST', '/api/hooks', {
      name: 'alerts',
      secret: HOOK_SECRET,
      repo: h.repo,
      template: 'Look: {{ payload.n }}',
    });
    const body = JSON.stringify({ n: 1 });
    const ts = nowMs / 1000;
    const captured = { 'x-drydock-timestamp': String(ts), 'x-drydock-signature': sign(body, ts) };
    const first = (await (
      await deliver('alerts', body, { ...captured, 'idempotency-key': 'k1' })
    ).json()) as {
      sessionId: string;
    };
    // The attacker holds a signed request and changes only what the signature does not cover.
    const replays: Record<string, string>[] = [
      { 'idempotency-key': 'k2' },
      {},
      { 'idempotency-key': 'k3', 'user-agent': 'curl' },
    ];
    for (const replay of replays) {
      const answer = await deliver('alerts', body, { ...captured, ...replay });
      expect(answer.status).toBe(202);
      expect(await answer.json()).toMatchObject({ sessionId: first.sessionId, duplicate: true });
    }
    // The sender's own retry signs a new time and keeps its key: still the same delivery.
    const retry = await deliver('alerts', body, {
      'x-drydock-timestamp': String(ts + 30),
      'x-drydock-signature': sign(body, ts + 30),
      'idempotency-key': 'k1',
    });
    expect(await retry.json()).toMatchObject({ sessionId: first.sessionId, duplicate: true });
    expect(await h.store.listSessions()).toHaveLength(1);
    // A new signed delivery (a new time, a new key) is new work, even with the same body.
    const next = await deliver('alerts', body, {
      'x-drydock-timestamp': String(ts + 60),
      'x-drydock-signature': sign(body, ts + 60),
      'idempotency-key': 'k4',
    });
    expect(await next.json()).toMatchObject({ outcome: 'started', duplicate: false });
    expect(await h.store.listSessions()).toHaveLength(2);
  });

  it('refuses Sentry deliveries without a timestamp or with a stale one; a replay with a new Request-ID starts nothing', async () => {
    await api('POST', '/api/hooks', {
      name: 'sentry',
      scheme: 'sentry',
      secret: HOOK_SECRET,
      repo: h.repo,
      template: 'Fix {{ payload.title }}',
    });
    const body = JSON.stringify({ title: 'a crash' });
    const signature = createHmac('sha256', HOOK_SECRET).update(body).digest('hex');
    const missing = await deliver('sentry', body, {
      'sentry-hook-signature': signature,
      'request-id': 'r-0',
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'missing_timestamp' } });
    const stale = await deliver('sentry', body, {
      'sentry-hook-signature': signature,
      'sentry-hook-timestamp': String(nowMs / 1000 - 3600),
      'request-id': 'r-0',
    });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: { code: 'stale_timestamp' } });
    expect(await h.store.listSessions()).toEqual([]);

    const first = (await (
      await deliver('sentry', body, {
        'sentry-hook-signature': signature,
        'sentry-hook-timestamp': String(nowMs / 1000),
        'request-id': 'r-1',
      })
    ).json()) as { sessionId: string; outcome: string };
    expect(first.outcome).toBe('started');
    // Sentry signs only the body: a replay may carry any timestamp and Request-ID it likes.
    const replay = await deliver('sentry', body, {
      'sentry-hook-signature': signature,
      'sentry-hook-timestamp': String(nowMs / 1000 + 60),
      'request-id': 'r-2',
    });
    expect(await replay.json()).toMatchObject({ sessionId: first.sessionId, duplicate: true });
    expect(await h.store.listSessions()).toHaveLength(1);
  });

  it('a paused hook verifies deliveries but starts nothing; an edit keeps its scheme; resuming starts again', async () => {
    const created = await api('POST', '/api/hooks', {
      name: 'sentry',
      scheme: 'sentry',
      secret: HOOK_SECRET,
      repo: h.repo,
      template: 'Fix {{ payload.title }}',
    });
    const { id } = (await created.json()) as { id: string };
    const paused = await (await api('PATCH', `/api/hooks/${id}`, { paused: true })).json();
    expect(paused).toMatchObject({ paused: true, scheme: 'sentry' });
    const body = JSON.stringify({ title: 'a crash' });
    const headers = (requestId: string) => ({
      'sentry-hook-timestamp': String(nowMs / 1000),
      'sentry-hook-signature': createHmac('sha256', HOOK_SECRET).update(body).digest('hex'),
      'request-id': requestId,
    });
    expect(
      (await deliver('sentry', body, { ...headers('r-1'), 'sentry-hook-signature': '0'.repeat(64) })).status,
    ).toBe(401);
    expect(await (await deliver('sentry', body, headers('r-1'))).json()).toMatchObject({
      outcome: 'ignored: the hook is paused',
      sessionId: null,
    });
    expect(await h.store.listSessions()).toEqual([]);
    await api('PATCH', `/api/hooks/${id}`, { paused: false });
    expect(await (await deliver('sentry', body, headers('r-2'))).json()).toMatchObject({
      outcome: 'started',
    });
    expect((await h.store.listSessions()).map((s) => s.task)).toEqual(['Fix a crash']);
  });

  it('verifies Sentry with Sentry-Hook-Signature and starts a session from a Sentry issue alert', async () => {
    await api('POST', '/api/hooks', {
      name: 'sentry',
      scheme: 'sentry',
      secret: HOOK_SECRET,
      repo: h.repo,
      template: 'Fix {{ payload.data.issue.title }} ({{ payload.data.issue.culprit }})',
    });
    const body = readFileSync(join(import.meta.dirname, 'fixtures', 'sentry-issue-created.json'), 'utf8');
    const signature = createHmac('sha256', HOOK_SECRET).update(body).digest('hex');
    const headers = {
      'sentry-hook-resource': 'issue',
      'sentry-hook-timestamp': String(nowMs / 1000),
      'request-id': 'r-1',
    };
    expect(
      (await deliver('sentry', body, { ...headers, 'sentry-hook-signature': '0'.repeat(64) })).status,
    ).toBe(401);
    const response = await deliver('sentry', body, { ...headers, 'sentry-hook-signature': signature });
    expect(response.status).toBe(202);
    const [session] = await h.store.listSessions();
    expect(session?.task).toBe(
      "Fix TypeError: Cannot read properties of undefined (reading 'length') (mean(src/stats))",
    );
  });

  it('refuses hooks, schedules and Slack channels on repositories nobody registered, creating nothing', async () => {
    const other = join(h.dir, 'other');
    mkdirSync(other);
    execFileSync('git', ['init', '--quiet', other]);
    const attempts: Array<[string, string, Record<string, unknown>, 'admin' | 'member']> = [];
    for (const repo of ['../../etc', '/proc/self/cwd', h.dir, other, 'acme/app']) {
      attempts.push(
        ['POST', '/api/hooks', { name: 'x-hook', secret: HOOK_SECRET, repo, template: 't' }, 'admin'],
        ['POST', '/api/schedules', { name: 'x-schedule', cron: '0 3 * * *', repo, task: 't' }, 'member'],
        ['POST', '/api/slack/channels', { channel: 'C0123ABCD', repo }, 'member'],
      );
    }
    for (const [method, path, body, role] of attempts) {
      const response = await api(method, path, body, role);
      const text = await response.text();
      expect(response.status, `${path} ${body.repo}`).toBe(400);
      expect(JSON.parse(text), `${path} ${body.repo}`).toMatchObject({
        error: { code: 'repo_not_registered', fields: { repo: expect.any(String) } },
      });
      expect(text).not.toContain(process.cwd());
    }
    for (const kind of ['hook', 'schedule', 'slack_channel'] as const) {
      expect(await h.store.listTriggers(kind)).toEqual([]);
    }

    // A change to a registered one is checked too; a registered repository is stored by its real path.
    const [registered] = await h.store.listRepos();
    const schedule = await api(
      'POST',
      '/api/schedules',
      { name: 'nightly', cron: '0 3 * * *', repo: registered!.id, task: 't' },
      'member',
    );
    const { id, repo } = (await schedule.json()) as { id: string; repo: string };
    expect(repo).toBe(h.repo);
    const moved = await api('PATCH', `/api/schedules/${id}`, { repo: other }, 'member');
    expect(await moved.json()).toMatchObject({ error: { code: 'repo_not_registered' } });
    const hook = await api('POST', '/api/hooks', {
      name: 'ok',
      secret: HOOK_SECRET,
      repo: h.repo,
      template: 't',
    });
    const hookId = ((await hook.json()) as { id: string }).id;
    expect((await api('PATCH', `/api/hooks/${hookId}`, { repo: '/proc/self/cwd' })).status).toBe(400);
    expect(await h.store.findTrigger('hook', 'ok')).toMatchObject({ config: { repo: h.repo } });
  });

  it('refuses script: models outside the scripts directory in hooks, schedules and Slack channels', async () => {
    const attempts: Array<[string, string, Record<string, unknown>, 'admin' | 'member']> = [];
    for (const model of ['script:/etc/shadow', 'script:../../etc/passwd']) {
      attempts.push(
        [
          'POST',
          '/api/hooks',
          { name: 'x-hook', secret: HOOK_SECRET, repo: h.repo, template: 't', model },
          'admin',
        ],
        [
          'POST',
          '/api/schedules',
          { name: 'x', cron: '0 3 * * *', repo: h.repo, task: 't', model },
          'member',
        ],
        ['POST', '/api/slack/channels', { channel: 'C0123ABCD', repo: h.repo, model }, 'member'],
      );
    }
    for (const [method, path, body, role] of attempts) {
      const response = await api(method, path, body, role);
      expect(response.status, `${path} ${body.model}`).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: 'script_path_not_allowed', fields: { model: expect.any(String) } },
      });
    }
    const schedule = await api(
      'POST',
      '/api/schedules',
      { name: 'ok', cron: '0 3 * * *', repo: h.repo, task: 't' },
      'member',
    );
    const { id } = (await schedule.json()) as { id: string };
    const patched = await api('PATCH', `/api/schedules/${id}`, { model: 'script:/etc/shadow' }, 'member');
    expect(patched.status).toBe(400);
    expect(await h.store.listTriggers('hook')).toEqual([]);
    expect((await h.store.listTriggers('schedule')).map((t) => t.config)).toEqual([
      expect.not.objectContaining({ model: expect.anything() }),
    ]);
  });

  it("a hook whose repository was unregistered since starts nothing and tells the sender nothing of the server's disk", async () => {
    await api('POST', '/api/hooks', { name: 'alerts', secret: HOOK_SECRET, repo: h.repo, template: 'x' });
    const [registered] = await h.store.listRepos();
    expect((await api('DELETE', `/api/repos/${registered!.id}`)).status).toBe(204);
    const body = JSON.stringify({ alert: {} });
    const ts = nowMs / 1000;
    const response = await deliver('alerts', body, {
      'x-drydock-timestamp': String(ts),
      'x-drydock-signature': sign(body, ts),
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'repo_not_registered' } });
    expect(text).not.toContain(h.dir);
    expect(await h.store.listSessions()).toEqual([]);
  });

  it('manages schedules, validating cron and time zone', async () => {
    const bad = await api(
      'POST',
      '/api/schedules',
      { name: 'nightly', cron: '99 * * * *', repo: h.repo, task: 't' },
      'member',
    );
    expect(bad.status).toBe(400);
    const created = await api(
      'POST',
      '/api/schedules',
      { name: 'nightly', cron: '0 3 * * *', timezone: 'Europe/Berlin', repo: h.repo, task: 'update deps' },
      'member',
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(
      await (await api('PATCH', `/api/schedules/${id}`, { paused: true }, 'member')).json(),
    ).toMatchObject({ paused: true });
    // Changing one field leaves the others (no defaults filled back in).
    expect(
      await (await api('PATCH', `/api/schedules/${id}`, { task: 'update all deps' }, 'member')).json(),
    ).toMatchObject({ task: 'update all deps', paused: true, timezone: 'Europe/Berlin' });
    expect(await (await api('GET', `/api/schedules/${id}/runs`, undefined, 'viewer')).json()).toEqual({
      runs: [],
    });
    expect((await api('DELETE', `/api/schedules/${id}`, undefined, 'viewer')).status).toBe(403);
    expect((await api('DELETE', `/api/schedules/${id}`, undefined, 'member')).status).toBe(204);
  });
});
