/**
 * Red team on the API's boundaries (docs/security.md "Roles", "registered repositories"): every
 * spelling of a repository that is not registered is refused with one answer that names nothing of the
 * server's disk; `script:` names cannot leave the scripts directory; what one member configures another
 * member cannot rewrite.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenRole } from '../src/core/ports/store.ts';
import { createApp } from '../src/server/app.ts';
import { createInProcessEventBus } from '../src/server/event-bus.ts';
import { hashToken } from '../src/server/tokens.ts';
import { conformingRequest } from './support/openapi-conformance.ts';
import { createHarness, type Harness } from './support/server-harness.ts';

describe('red team: the API', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;
  const BOB = 'dd_bob-member-secret';

  beforeEach(async () => {
    h = await createHarness();
    await h.register();
    await h.store.createToken({ name: 'bob', role: 'member', tokenHash: hashToken(BOB) });
    app = createApp({
      sessions: h.deps,
      bus: createInProcessEventBus(),
      control: { wake: async () => {}, cancel: async () => Promise.reject(new Error('unused')) },
      defaultModel: 'script:demo',
      allowScriptModels: true,
      version: 'test',
      triggers: {
        forge: null,
        githubWebhookSecret: null,
        publicUrl: 'http://x',
        secrets: undefined as never,
      },
    });
  });
  afterEach(() => h.close());

  const call = (
    method: string,
    path: string,
    body?: unknown,
    who: TokenRole | { token: string } = 'member',
  ) =>
    conformingRequest(app)(path, {
      method,
      headers: {
        authorization: `Bearer ${typeof who === 'string' ? h.tokens[who] : who.token}`,
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('refuses every other spelling of a repository with one answer that names nothing of the disk', async () => {
    const link = join(h.dir, 'link-to-repo');
    await symlink(h.repo, link);
    const other = join(h.dir, 'other');
    await mkdir(other);
    const spellings = [
      `${h.repo}/.git`,
      `${h.repo}/src`,
      `${h.repo}/../repo`,
      `${h.repo.toUpperCase()}`,
      link,
      `file://${h.repo}`,
      `${h.repo}\0`,
      `${h.repo}%2f`,
      'repo',
      './repo',
      other,
      '/etc',
      '/',
      '/proc/self/cwd',
      h.deps.home,
      'acme/app',
      'ACME/APP',
      '..',
      'x'.repeat(5000),
    ];
    const answers = new Set<string>();
    for (const repo of spellings) {
      const response = await call('POST', '/api/sessions', { repo, task: 'x' });
      expect(response.status, repo).toBe(400);
      const text = await response.text();
      expect(JSON.parse(text).error.code, repo).toBe('repo_not_registered');
      for (const leak of [h.dir, process.cwd(), homedir(), h.deps.home])
        expect(text, repo).not.toContain(leak);
      answers.add(text);
    }
    expect(answers.size).toBe(1);
    // The spellings the lookup tidies (trailing and repeated slashes, `.` segments) name the same one.
    for (const repo of [`${h.repo}/`, `${h.repo}//`, `${h.repo}/.`, h.repo.replace(/\//g, '//')]) {
      expect((await call('POST', '/api/sessions', { repo, task: 'x' })).status, repo).toBe(201);
    }
    expect(new Set((await h.store.listSessions()).map((session) => session.repo))).toEqual(new Set([h.repo]));
  });

  it('keeps script: names inside the scripts directory, whatever the encoding, and quotes no file', async () => {
    const scriptsDir = join(h.deps.home, 'scripts');
    await mkdir(scriptsDir, { recursive: true });
    await writeFile(join(h.dir, 'outside.json'), '[{"text": "OUTSIDE-CONTENT"}]');
    await symlink(join(h.dir, 'outside.json'), join(scriptsDir, 'escape.json'));
    await symlink(h.dir, join(scriptsDir, 'dirlink'));
    const names = [
      '/etc/shadow',
      '../outside.json',
      '..%2foutside.json',
      '%2e%2e/outside.json',
      'a/../../outside.json',
      '․․/outside.json', // one-dot leaders
      '．．/outside.json', // fullwidth full stops
      'escape.json',
      'dirlink/outside.json',
      '.hidden',
      'x\\..\\outside.json',
      'ok.json\n../outside.json',
    ];
    for (const name of names) {
      const response = await call('POST', '/api/sessions', {
        repo: h.repo,
        task: 'x',
        model: `script:${name}`,
      });
      const text = await response.text();
      expect(response.status, name).toBe(400);
      expect(text, name).not.toContain('OUTSIDE-CONTENT');
      expect(text, name).not.toContain(h.dir);
    }
  });

  it('does not let a member rewrite or delete a schedule an admin (or another member) made', async () => {
    const schedule = (await (
      await call(
        'POST',
        '/api/schedules',
        { name: 'nightly', cron: '0 3 * * *', repo: h.repo, task: 'tidy the changelog' },
        'admin',
      )
    ).json()) as { id: string };
    expect(schedule.id).toBeTruthy();
    const patched = await call(
      'PATCH',
      `/api/schedules/${schedule.id}`,
      { task: 'something else' },
      { token: BOB },
    );
    const deleted = await call('DELETE', `/api/schedules/${schedule.id}`, undefined, { token: BOB });
    expect([patched.status, deleted.status]).toEqual([403, 403]);
    expect(((await patched.json()) as { error: { code: string } }).error.code).toBe('not_trigger_owner');
    const unchanged = (await (await call('GET', '/api/schedules')).json()) as {
      schedules: { task: string }[];
    };
    expect(unchanged.schedules.map((s) => s.task)).toEqual(['tidy the changelog']);

    // Bob's own schedule and Slack channel: his to change; another member's not; an admin's always.
    const own = (await (
      await call(
        'POST',
        '/api/schedules',
        { name: 'bobs', cron: '0 4 * * *', repo: h.repo, task: 'bob task' },
        { token: BOB },
      )
    ).json()) as { id: string; createdBy: { name: string } };
    expect(own.createdBy.name).toBe('bob');
    expect((await call('PATCH', `/api/schedules/${own.id}`, { task: 'b2' }, { token: BOB })).status).toBe(
      200,
    );
    expect((await call('PATCH', `/api/schedules/${own.id}`, { task: 'b3' }, 'member')).status).toBe(403);
    const channel = (await (
      await call('POST', '/api/slack/channels', { channel: 'C0123ABCD', repo: h.repo }, { token: BOB })
    ).json()) as { id: string };
    expect(
      (await call('PATCH', `/api/slack/channels/${channel.id}`, { paused: true }, 'member')).status,
    ).toBe(403);
    expect((await call('DELETE', `/api/slack/channels/${channel.id}`, undefined, 'member')).status).toBe(403);
    expect(
      (await call('PATCH', `/api/slack/channels/${channel.id}`, { paused: true }, { token: BOB })).status,
    ).toBe(200);
    // A creator sent in the body is not taken.
    const forged = await call(
      'POST',
      '/api/slack/channels',
      { channel: 'C0999ZZZZ', repo: h.repo, createdBy: { id: 'token:x', name: 'admin' } },
      'member',
    );
    expect(((await forged.json()) as { createdBy?: { name: string } }).createdBy?.name).not.toBe('admin');
    expect((await call('DELETE', `/api/schedules/${own.id}`, undefined, 'admin')).status).toBe(204);
  });
});
