import { createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secretSet } from '../src/cli/commands/secret.ts';
import { createTokenCommand } from '../src/cli/commands/token.ts';
import type { AuditEntry } from '../src/core/audit.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createSecretVault } from '../src/environments/secret-vault.ts';
import { createInProcessQueue } from '../src/queue/in-process-queue.ts';
import { createApp } from '../src/server/app.ts';
import { noteAudit } from '../src/server/audit-middleware.ts';
import { requireRole } from '../src/server/auth.ts';
import { createInProcessEventBus } from '../src/server/event-bus.ts';
import { createSessionControl } from '../src/server/session-control.ts';
import { githubExample } from './support/github-examples.ts';
import { conformingRequest } from './support/openapi-conformance.ts';
import { createHarness, type Harness } from './support/server-harness.ts';
import { githubSignature } from './support/sign.ts';

const HOOK_SECRET = 'hook-secret-0123456789';
const GITHUB_SECRET = 'github-secret-abcdef';

/** The audit log (docs/audit.md), in process: each action class, who did it, and what is never kept. */
describe('the audit log', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;

  beforeEach(async () => {
    h = await createHarness();
    await h.register();
    const control = createSessionControl({ store: h.store, queue: createInProcessQueue(), worker: null });
    app = createApp({
      sessions: h.deps,
      bus: createInProcessEventBus(),
      control,
      defaultModel: 'script:demo',
      allowScriptModels: true,
      version: 'test',
      triggers: {
        forge: null,
        githubWebhookSecret: GITHUB_SECRET,
        publicUrl: 'http://x',
        secrets: createSecretBox(Buffer.alloc(32, 1)),
      },
    });
  });
  afterEach(() => h.close());

  type Role = 'admin' | 'member' | 'viewer';
  const api = (method: string, path: string, body?: unknown, role: Role | null = 'admin') =>
    conformingRequest(app)(path, {
      method,
      headers: {
        ...(role ? { authorization: `Bearer ${h.tokens[role]}` } : {}),
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const all = () => h.store.listAudit({ limit: 500 });
  const only = async (action: string) => (await all()).filter((entry) => entry.action === action);
  /** Nothing the log keeps contains any of these. */
  const expectNowhere = (entries: AuditEntry[], ...secrets: string[]) => {
    const text = JSON.stringify(entries);
    for (const secret of secrets) expect(text).not.toContain(secret);
  };

  it('records sessions created, messaged and cancelled by the token that did it, and attributes the events', async () => {
    const created = await api('POST', '/api/sessions', { repo: h.repo, task: 'fix mean()' }, 'member');
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const long = `please ${'x'.repeat(1000)}`;
    expect((await api('POST', `/api/sessions/${id}/messages`, { text: long }, 'member')).status).toBe(202);
    expect((await api('POST', `/api/sessions/${id}/cancel`, undefined, 'admin')).status).toBe(202);

    const entries = await h.store.listAudit({ target: id });
    expect(entries.map((entry) => [entry.action, entry.actor.name, entry.outcome])).toEqual([
      ['session.cancelled', 'admin token', 'ok'],
      ['session.messaged', 'member token', 'ok'],
      ['session.created', 'member token', 'ok'],
    ]);
    expect(entries[2]?.details).toMatchObject({ method: 'POST', route: '/api/sessions', status: 201 });
    expect(entries[2]?.actor.id).toMatch(/^token:/);
    // A message body is kept short.
    const kept = entries[1]?.details.text;
    expect(typeof kept === 'string' && kept.length <= 200 && kept.startsWith('please x')).toBe(true);
    expect(entries[1]?.details.chars).toBe(long.length);

    const events = (await h.store.listEvents(id)).map((event) => event.data);
    expect(events.find((data) => data.type === 'message.received')).toMatchObject({
      by: entries[1]?.actor.id,
      byName: 'member token',
    });
    expect(events.find((data) => data.type === 'cancel.requested')).toMatchObject({ byName: 'admin token' });
  });

  it('records refusals: a viewer creating a session, and a request without a token as anonymous', async () => {
    expect((await api('POST', '/api/sessions', { repo: h.repo, task: 'x' }, 'viewer')).status).toBe(403);
    expect((await api('POST', '/api/repos', { repo: h.repo }, null)).status).toBe(401);
    const refused = (await all()).filter((entry) => entry.outcome === 'refused');
    expect(refused.map((entry) => [entry.action, entry.actor.name, entry.details.error])).toEqual([
      ['repo.created', 'anonymous', 'missing_token'],
      ['session.created', 'viewer token', 'role_too_low'],
    ]);
  });

  it('records tokens, repositories, hooks and schedules created, changed and removed, never a secret', async () => {
    const token = await api('POST', '/api/tokens', { name: 'ci bot', role: 'member' });
    const { id: tokenId, token: tokenSecret } = (await token.json()) as { id: string; token: string };
    expect(await only('token.created')).toMatchObject([
      { target: tokenId, actor: { name: 'admin token' }, details: { name: 'ci bot', role: 'member' } },
    ]);

    const repo = (await (await api('POST', '/api/repos', { repo: 'acme/app' })).json()) as { id: string };
    await api('PATCH', `/api/repos/${repo.id}`, { review: { pullRequests: true } });
    await api('DELETE', `/api/repos/${repo.id}`);
    expect((await h.store.listAudit({ target: repo.id })).map((entry) => entry.action)).toEqual([
      'repo.removed',
      'repo.changed',
      'repo.created',
    ]);

    const hook = await api('POST', '/api/hooks', {
      name: 'alerts',
      secret: HOOK_SECRET,
      repo: h.repo,
      template: 'Investigate {{ payload.title }}',
    });
    const { id: hookId } = (await hook.json()) as { id: string };
    await api('PATCH', `/api/hooks/${hookId}`, { secret: `${HOOK_SECRET}-rotated` });
    await api('DELETE', `/api/hooks/${hookId}`);
    expect((await h.store.listAudit({ action: 'hook.*' })).map((entry) => entry.action)).toEqual([
      'hook.removed',
      'hook.changed',
      'hook.created',
    ]);
    expect((await only('hook.changed'))[0]?.details).toMatchObject({ name: 'alerts', keyRotated: true });

    const schedule = await api(
      'POST',
      '/api/schedules',
      { name: 'nightly', cron: '0 3 * * *', repo: h.repo, task: 'tidy up' },
      'member',
    );
    expect(schedule.status).toBe(201);
    const { id: scheduleId } = (await schedule.json()) as { id: string };
    expect((await api('POST', `/api/schedules/${scheduleId}/run`, undefined, 'member')).status).toBe(201);
    await api('PATCH', `/api/schedules/${scheduleId}`, { paused: true }, 'member');
    await api('DELETE', `/api/schedules/${scheduleId}`, undefined, 'member');
    expect((await h.store.listAudit({ action: 'schedule.*' })).map((entry) => entry.action)).toEqual([
      'schedule.removed',
      'schedule.changed',
      'schedule.run',
      'schedule.created',
    ]);

    expectNowhere(await all(), HOOK_SECRET, tokenSecret, h.tokens.admin, h.tokens.member);
  });

  it('covers a route added after the middleware, with a derived action or the one it notes', async () => {
    // As another part would add its routes (spend limits): nothing audit-specific but an optional note.
    app.post('/api/limits', requireRole('admin'), (c) => c.json({ ok: true }, 201));
    app.delete('/api/limits/:id', requireRole('admin'), (c) => {
      noteAudit(c, { action: 'limit.removed', details: { scope: 'global' } });
      return c.body(null, 204);
    });
    const headers = { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' };
    expect((await app.request('/api/limits', { method: 'POST', headers, body: '{}' })).status).toBe(201);
    expect((await app.request('/api/limits/l1', { method: 'DELETE', headers })).status).toBe(204);
    const memberHeaders = { ...headers, authorization: `Bearer ${h.tokens.member}` };
    expect(
      (await app.request('/api/limits', { method: 'POST', headers: memberHeaders, body: '{}' })).status,
    ).toBe(403);
    const entries = await h.store.listAudit({ action: 'limit.*' });
    expect(entries.map((entry) => [entry.action, entry.target, entry.outcome, entry.actor.name])).toEqual([
      ['limit.created', null, 'refused', 'member token'],
      ['limit.removed', 'l1', 'ok', 'admin token'],
      ['limit.created', null, 'ok', 'admin token'],
    ]);
    expect(entries[1]?.details).toMatchObject({ route: '/api/limits/{id}', status: 204, scope: 'global' });
    // Reads are not recorded.
    await api('GET', '/api/sessions');
    expect((await all()).some((entry) => entry.details.route === '/api/sessions')).toBe(false);
  });

  it('records trigger deliveries accepted and refused, with the sender and the reason', async () => {
    await api('POST', '/api/hooks', {
      name: 'alerts',
      secret: HOOK_SECRET,
      repo: h.repo,
      template: 'Look {{ payload.n }}',
    });
    const body = JSON.stringify({ n: 1 });
    const ts = Math.floor(Date.now() / 1000);
    const signature = `sha256=${createHmac('sha256', HOOK_SECRET).update(`${ts}.${body}`).digest('hex')}`;
    const deliver = (path: string, payload: string, headers: Record<string, string>) =>
      conformingRequest(app)(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
      });
    const signed = {
      'x-drydock-timestamp': String(ts),
      'x-drydock-signature': signature,
      'idempotency-key': 'k1',
    };
    const accepted = (await (await deliver('/webhooks/alerts', body, signed)).json()) as {
      sessionId: string;
    };
    expect((await deliver('/webhooks/alerts', body, signed)).status).toBe(202);
    expect(
      (await deliver('/webhooks/alerts', body, { ...signed, 'x-drydock-signature': 'sha256=00' })).status,
    ).toBe(401);
    const issue = JSON.stringify(
      githubExample('issues', 'opened', (p) => {
        p.sender.login = 'octocat';
      }),
    );
    const github = await deliver('/webhooks/github', issue, {
      'x-github-event': 'issues',
      'x-github-delivery': 'gh-1',
      'x-hub-signature-256': githubSignature(GITHUB_SECRET, issue),
    });
    expect(github.status).toBe(202);

    const entries = await h.store.listAudit({ action: 'trigger.*' });
    expect(entries.map((entry) => [entry.action, entry.actor.id, entry.outcome])).toEqual([
      ['trigger.refused', 'github:octocat', 'refused'],
      ['trigger.refused', 'anonymous', 'refused'],
      ['trigger.refused', 'hook:alerts', 'refused'],
      ['trigger.accepted', 'hook:alerts', 'ok'],
    ]);
    expect(entries[0]?.details).toMatchObject({ source: 'github', deliveryId: 'gh-1', event: 'issues' });
    expect(entries[0]?.details.reason).toEqual(expect.any(String));
    expect(entries[1]?.details).toMatchObject({ source: 'hook:alerts', reason: 'bad_signature' });
    expect(entries[2]?.details.reason).toMatch(/^duplicate/);
    expect(entries[3]).toMatchObject({ target: accepted.sessionId, details: { result: 'started' } });
    expectNowhere(entries, HOOK_SECRET, GITHUB_SECRET);
  });

  it("records the local CLI's token and secret commands, with a secret's name and never its value", async () => {
    const vault = createSecretVault(h.store, createSecretBox(Buffer.alloc(32, 2)));
    const value = 'npm_super-secret-value-42';
    await secretSet(
      vault,
      h.store,
      'NPM_TOKEN',
      undefined,
      Readable.from([Buffer.from(`${value}\n`)]),
      () => {},
    );
    const printed = await createTokenCommand(h.store, 'viewer', 'dashboard');
    const entries = await all();
    expect(entries.map((entry) => [entry.action, entry.actor.id.startsWith('cli:')])).toEqual([
      ['token.created', true],
      ['secret.set', true],
    ]);
    expect(entries[1]).toMatchObject({ target: '*/NPM_TOKEN', details: { name: 'NPM_TOKEN', scope: '*' } });
    expectNowhere(entries, value, printed.split('\n')[0] ?? 'unreachable');
  });

  it('is read by admins only, newest first, with filters and cursor paging', async () => {
    for (let i = 0; i < 5; i++)
      await api('POST', '/api/sessions', { repo: h.repo, task: `task ${i}` }, 'member');
    await api('POST', '/api/tokens', { name: 'other', role: 'viewer' });

    expect((await api('GET', '/api/audit', undefined, 'member')).status).toBe(403);
    expect((await api('GET', '/api/audit', undefined, 'viewer')).status).toBe(403);

    type Page = { entries: AuditEntry[]; next: string | null };
    const first = (await (await api('GET', '/api/audit?action=session.created&limit=2')).json()) as Page;
    expect(first.entries.map((entry) => entry.details.task)).toEqual(['task 4', 'task 3']);
    const seen = [...first.entries];
    let next = first.next;
    while (next) {
      const page = (await (
        await api('GET', `/api/audit?action=session.created&limit=2&cursor=${encodeURIComponent(next)}`)
      ).json()) as Page;
      seen.push(...page.entries);
      next = page.next;
    }
    expect(seen.map((entry) => entry.details.task)).toEqual([
      'task 4',
      'task 3',
      'task 2',
      'task 1',
      'task 0',
    ]);

    const byActor = (await (await api('GET', '/api/audit?actor=admin%20token')).json()) as Page;
    expect(byActor.entries.map((entry) => entry.action)).toEqual(['token.created']);
    const future = (await (await api('GET', '/api/audit?from=2999-01-01')).json()) as Page;
    expect(future.entries).toEqual([]);
    const bad = await api('GET', '/api/audit?cursor=nonsense');
    expect(bad.status).toBe(400);
  });
});
