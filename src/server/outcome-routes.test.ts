import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conformingRequest } from '../../test/support/openapi-conformance.ts';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import { DEMO_SCRIPT, DEMO_TASK } from '../cli/demo/demo-script.ts';
import type { Forge } from '../core/ports/forge.ts';
import type { TokenRole } from '../core/ports/store.ts';
import { createSecretBox } from '../environments/secret-box.ts';
import type { Script } from '../models/script-file.ts';
import { createInProcessQueue } from '../queue/in-process-queue.ts';
import { createSession } from '../sessions/create-session.ts';
import { sendMessage } from '../sessions/follow-ups.ts';
import { runSession } from '../sessions/run-session.ts';
import { newSession } from '../store/store-contract.ts';
import { originKey } from '../triggers/forge-link.ts';
import { createPublisher } from '../triggers/publish-delivery.ts';
import { createApp } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';
import type { ServerTriggers } from './server-deps.ts';
import { createSessionControl } from './session-control.ts';

const coder = Array.isArray(DEMO_SCRIPT) ? DEMO_SCRIPT : (DEMO_SCRIPT.coder ?? []);
const reviewer = Array.isArray(DEMO_SCRIPT) ? [] : (DEMO_SCRIPT.reviewer ?? []);

/** The demo's fix, then a follow-up turn that adds a file: two turns, two commits. */
const TWO_TURNS: Script = {
  coder: [
    ...coder,
    {
      text: 'Adding the notes you asked for.',
      toolCalls: [{ name: 'write_file', input: { path: 'NOTES.md', content: '# Notes\n\nmean() fixed.\n' } }],
    },
    { toolCalls: [{ name: 'finish', input: { summary: 'Added NOTES.md.' } }] },
  ],
  reviewer: [...reviewer, ...reviewer],
};

/** A forge that opens pull request 7 for whatever it is asked, and records what it was asked. */
function fakeForge(): Forge & { pulls: string[] } {
  const pulls: string[] = [];
  const forge: Forge & { pulls: string[] } = {
    kind: 'github',
    pulls,
    sync: async () => ({ defaultBranch: 'main' }),
    push: async () => {},
    async openOrUpdatePullRequest(repo, request) {
      pulls.push(`${repo} ${request.branch}`);
      return { number: 7, url: `https://github.test/${repo}/pull/7`, ...request, draft: false };
    },
    comment: async (_repo, _number, body) => ({
      id: 1,
      url: 'https://github.test/c/1',
      author: 'drydock',
      body,
    }),
    listReviewComments: async () => [],
    listCheckRuns: async () => [],
    checkRunLog: async () => '',
    permission: async () => 'write',
  };
  return forge;
}

describe('outcome routes: commits per turn, reruns, pull requests', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;
  let triggers: ServerTriggers | undefined;

  const build = () => {
    const bus = createInProcessEventBus();
    const control = createSessionControl({ store: h.store, queue: createInProcessQueue(), worker: null });
    return createApp({
      sessions: h.deps,
      bus,
      control,
      defaultModel: 'script:demo',
      allowScriptModels: true,
      version: '0.0.0-test',
      ...(triggers ? { triggers } : {}),
    });
  };
  beforeEach(async () => {
    h = await createHarness();
    await h.register();
    triggers = undefined;
    app = build();
  });
  afterEach(async () => {
    await h.close();
  });

  const call = (method: string, path: string, options: { role?: TokenRole; body?: unknown } = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${h.tokens[options.role ?? 'member']}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return conformingRequest(app)(path, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  };
  const memberCreator = async () => {
    const me = (await (await call('GET', '/api/me')).json()) as { creator: string };
    return { id: me.creator, name: 'member token' };
  };

  it("lists each turn's commit and serves that turn's change alone; other revisions are 404", async () => {
    h.scripts.two = TWO_TURNS;
    const created = await createSession(h.deps, { task: DEMO_TASK, repo: h.repo, model: 'script:two' });
    expect((await runSession(h.deps, created.id)).state).toBe('delivered');
    await sendMessage(h.store, created.id, 'Also add a NOTES.md');
    const session = await runSession(h.deps, created.id);
    expect(session.state).toBe('delivered');

    const listed = await call('GET', `/api/sessions/${created.id}/commits`, { role: 'viewer' });
    expect(listed.status).toBe(200);
    const { commits } = (await listed.json()) as {
      commits: Array<{ turn: number; commit: string; parent: string }>;
    };
    expect(commits.map((c) => c.turn)).toEqual([1, 2]);
    expect(commits[0]?.parent).toBe(session.baseCommit);
    expect(commits[1]?.parent).toBe(commits[0]?.commit);
    expect(commits[1]?.commit).toBe(session.headCommit);

    const first = await (
      await call('GET', `/api/sessions/${created.id}/commits/${commits[0]?.commit}/diff`)
    ).text();
    expect(first).toContain('src/stats.js');
    expect(first).not.toContain('NOTES.md');
    const second = await call('GET', `/api/sessions/${created.id}/commits/${commits[1]?.commit}/diff`);
    expect(second.headers.get('content-type')).toContain('text/x-diff');
    const secondText = await second.text();
    expect(secondText).toContain('+++ b/NOTES.md');
    expect(secondText).not.toContain('src/stats.js');

    // Only the session's own commits: not its base, not a ref git would resolve.
    for (const other of [session.baseCommit ?? '', 'HEAD', '--output=/tmp/x']) {
      const response = await call(
        'GET',
        `/api/sessions/${created.id}/commits/${encodeURIComponent(other)}/diff`,
      );
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'commit_not_in_session' } });
    }
  }, 120_000);

  it('reruns an ended session with an edited task, from the same commit, as the caller', async () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: h.repo, encoding: 'utf8' }).trim();
    const createdBy = await memberCreator();
    await h.store.createSession(
      newSession('gone', {
        repo: h.repo,
        baseCommit: head,
        state: 'bowed_out',
        model: 'script:demo',
        friendModel: 'script:demo',
        reason: 'the tests still fail',
        createdBy,
      }),
    );
    // The repository moved on since: the rerun still starts where the original did.
    writeFileSync(join(h.repo, 'later.txt'), 'later\n');
    execFileSync('git', ['add', '.'], { cwd: h.repo });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'later'], {
      cwd: h.repo,
    });

    const response = await call('POST', '/api/sessions/gone/retry', { body: { task: 'Try again, smaller' } });
    expect(response.status).toBe(201);
    const { id, state } = (await response.json()) as { id: string; state: string };
    expect(state).toBe('queued');
    const rerun = await h.store.getSession(id);
    expect(rerun).toMatchObject({
      task: 'Try again, smaller',
      repo: h.repo,
      baseCommit: head,
      model: 'script:demo',
      friendModel: 'script:demo',
      createdBy,
    });
    expect(rerun).not.toHaveProperty('allowHosts');

    // Someone else's session, a viewer, an empty task, a running session.
    expect((await call('POST', `/api/sessions/${id}/retry`, { body: { task: 'x' } })).status).toBe(409);
    expect(
      (await call('POST', '/api/sessions/gone/retry', { role: 'viewer', body: { task: 'x' } })).status,
    ).toBe(403);
    expect((await call('POST', '/api/sessions/gone/retry', { body: { task: '  ' } })).status).toBe(400);
    await h.store.createSession(
      newSession('theirs', { repo: h.repo, baseCommit: head, state: 'failed', model: 'script:demo' }),
    );
    const theirs = await call('POST', '/api/sessions/theirs/retry', { body: { task: 'x' } });
    expect(theirs.status).toBe(403);
    expect(
      (await call('POST', '/api/sessions/theirs/retry', { role: 'admin', body: { task: 'x' } })).status,
    ).toBe(201);
  });

  it('allows on the rerun only the hosts the original was blocked on', async () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: h.repo, encoding: 'utf8' }).trim();
    await h.store.createSession(
      newSession('blocked', {
        repo: h.repo,
        baseCommit: head,
        model: 'script:demo',
        createdBy: await memberCreator(),
        allowHosts: [{ host: 'already.example.org' }],
      }),
    );
    await h.store.record('blocked', {
      events: [
        { type: 'network.blocked', host: 'registry.example.org', port: 443 },
        { type: 'network.blocked', host: 'registry.example.org', port: 443 },
        { type: 'state.changed', from: 'queued', to: 'bowed_out' },
      ],
      patch: { state: 'bowed_out', reason: 'npm install could not reach registry.example.org' },
    });

    const refused = await call('POST', '/api/sessions/blocked/retry', {
      body: { task: 'again', allowHosts: ['registry.example.org:443', 'evil.example.org:443'] },
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: {
        code: 'host_not_blocked',
        fields: { allowHosts: expect.stringContaining('evil.example.org:443') },
      },
    });
    expect((await h.store.listSessions()).length).toBe(1);

    const response = await call('POST', '/api/sessions/blocked/retry', {
      body: { task: 'again', allowHosts: ['Registry.example.org:443'] },
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    expect((await h.store.getSession(id))?.allowHosts).toEqual([
      { host: 'already.example.org' },
      { host: 'registry.example.org', port: 443 },
    ]);
    const shown = (await (await call('GET', `/api/sessions/${id}`)).json()) as { allowHosts: unknown };
    expect(shown.allowHosts).toEqual([
      { host: 'already.example.org' },
      { host: 'registry.example.org', port: 443 },
    ]);
  });

  it("shows a forge session's pull request, and opens it on request when there is none", async () => {
    const forge = fakeForge();
    const bus = createInProcessEventBus();
    triggers = {
      forge,
      secrets: createSecretBox(Buffer.alloc(32, 5)),
      githubWebhookSecret: null,
      publicUrl: 'http://drydock.test',
      publisher: createPublisher({ store: h.store, forge, bus, publicUrl: 'http://drydock.test' }),
    };
    app = build();
    const createdBy = await memberCreator();
    const delivered = {
      repo: h.repo,
      state: 'delivered' as const,
      baseCommit: 'a'.repeat(40),
      headCommit: 'b'.repeat(40),
      branch: 'drydock/fix-1',
      createdBy,
    };
    await h.store.createSession(newSession('forged', delivered));
    await h.store.linkSession(originKey('acme/app', 'forged'), 'forged', {
      origin: true,
      repo: 'acme/app',
      base: 'main',
      issue: null,
      requester: createdBy.id,
    });
    await h.store.createSession(newSession('local', delivered));

    expect(await (await call('GET', '/api/sessions/local/pull-request')).json()).toEqual({
      forge: false,
      url: null,
      number: null,
    });
    const local = await call('POST', '/api/sessions/local/pull-request');
    expect(local.status).toBe(409);
    expect(await local.json()).toMatchObject({ error: { code: 'not_a_forge_session' } });

    expect(await (await call('GET', '/api/sessions/forged/pull-request', { role: 'viewer' })).json()).toEqual(
      {
        forge: true,
        url: null,
        number: null,
      },
    );
    expect((await call('POST', '/api/sessions/forged/pull-request', { role: 'viewer' })).status).toBe(403);
    const opened = await call('POST', '/api/sessions/forged/pull-request');
    expect(opened.status).toBe(200);
    const pull = { forge: true, url: 'https://github.test/acme/app/pull/7', number: 7 };
    expect(await opened.json()).toEqual(pull);
    expect(forge.pulls).toEqual(['acme/app drydock/fix-1']);
    expect(await (await call('GET', '/api/sessions/forged/pull-request')).json()).toEqual(pull);
  });
});
