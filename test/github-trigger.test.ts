import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createGithubForge, staticGithubToken } from '../src/forge/github-forge.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { type FakeGithub, startFakeGithub } from './fakes/fake-github.ts';
import { type EditablePayload, githubExample } from './support/github-examples.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { githubSignature } from './support/sign.ts';

const SECRET = 'webhook-test-secret';

/** GitHub end to end: a signed real payload → a session → a pushed branch and a pull request on a fake GitHub. */
describe('GitHub trigger', { timeout: 90_000 }, () => {
  let h: Harness;
  let github: FakeGithub;
  let server: RunningServer;
  let bare: string;
  let triggers: ServerTriggers;

  beforeEach(async () => {
    h = await createHarness();
    bare = join(h.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', h.repo, bare]);
    github = await startFakeGithub({ token: 'ghs_fake' });
    github.addRepo('acme/app', { permissions: { Codertocat: 'write', reader: 'read' } });
    triggers = {
      forge: createGithubForge({
        tokens: staticGithubToken('ghs_fake'),
        baseUrl: github.url,
        gitUrl: (repo) => (repo === 'acme/app' ? bare : join(h.dir, 'missing.git')),
      }),
      githubWebhookSecret: SECRET,
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 7)),
    };
    server = await startTestServer(h, { concurrency: 1, triggers });
    // Registered by an admin: drydock acts only on these.
    await h.register('acme/app');
    await h.register('acme/secret');
  });
  afterEach(async () => {
    await server.close(10_000);
    await github.close();
    await h.close();
  });

  const comment = (body: string, change: (p: EditablePayload) => void = () => {}) =>
    JSON.stringify(
      githubExample('issue_comment', 'created', (p) => {
        p.comment.body = body;
        p.repository.full_name = 'acme/app';
        delete p.issue.pull_request;
        change(p);
      }),
    );
  const post = (body: string, options: { id?: string; signature?: string; event?: string } = {}) =>
    fetch(`${server.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': options.event ?? 'issue_comment',
        'x-github-delivery': options.id ?? crypto.randomUUID(),
        ...(options.signature === ''
          ? {}
          : { 'x-hub-signature-256': options.signature ?? githubSignature(SECRET, body) }),
      },
      body,
    });
  async function settled(id: string) {
    for (let i = 0; i < 600; i++) {
      const session = await h.store.getSession(id);
      if (session && ['delivered', 'bowed_out', 'failed'].includes(session.state)) {
        await triggers.publisher?.idle();
        return session;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`session ${id} did not end`);
  }

  it('an @drydock comment delivers a pushed branch, a pull request with the gate description, and a reply', async () => {
    const body = comment('@drydock fix the failing test');
    const response = await post(body, { id: 'delivery-1' });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { sessionId: string; outcome: string };
    expect(answer.outcome).toBe('started');

    const again = await post(body, { id: 'delivery-1' });
    expect(await again.json()).toMatchObject({ sessionId: answer.sessionId, duplicate: true });

    const session = await settled(answer.sessionId);
    expect(session.state).toBe('delivered');
    const pushed = execFileSync('git', ['rev-parse', `refs/heads/${session.branch}`], {
      cwd: bare,
      encoding: 'utf8',
    });
    expect(pushed.trim()).toBe(session.headCommit);
    // The commenter (the real payload's sender, Codertocat) is the commit's co-author.
    const message = execFileSync('git', ['log', '-1', '--format=%B', session.headCommit!], {
      cwd: bare,
      encoding: 'utf8',
    });
    expect(message).toContain('Co-authored-by: Codertocat <21031067+Codertocat@users.noreply.github.com>');
    const repo = github.repos.get('acme/app')!;
    expect(repo.pulls).toHaveLength(1);
    expect(repo.pulls[0]).toMatchObject({ head: session.branch, base: 'main' });
    expect(repo.pulls[0]!.body).toContain('FAIL_TO_PASS');
    expect(repo.comments.map((c) => c.body)).toEqual([
      `drydock is on it: https://drydock.example/sessions/${session.id}`,
      `drydock opened https://github.example/acme/app/pull/${repo.pulls[0]!.number}`,
    ]);
    expect((await h.store.listSessions()).length).toBe(1);
  });

  it('a captured delivery replayed with a fresh X-GitHub-Delivery starts nothing; a new event still does', async () => {
    const body = comment('@drydock fix the failing test');
    const first = (await (await post(body, { id: 'delivery-a' })).json()) as { sessionId: string };
    // GitHub signs only the body: the delivery id (and every other header) is the attacker's to change.
    const replay = await post(body, { id: 'delivery-b' });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toMatchObject({ sessionId: first.sessionId, duplicate: true });
    // GitHub's own redelivery: the same id and body.
    expect(await (await post(body, { id: 'delivery-a' })).json()).toMatchObject({ duplicate: true });
    expect(await h.store.listSessions()).toHaveLength(1);
    await settled(first.sessionId);
    // Another comment is another body (its own comment id), so it acts.
    const other = comment('@drydock fix the failing test', (p) => {
      p.comment.id += 1;
    });
    expect(await (await post(other, { id: 'delivery-c' })).json()).toMatchObject({
      outcome: 'started',
      duplicate: false,
    });
    expect(await h.store.listSessions()).toHaveLength(2);
    await settled((await h.store.listSessions())[0]!.id);
  });

  it('refuses tampered and unsigned deliveries with 401 and creates nothing', async () => {
    const body = comment('@drydock fix the failing test');
    expect((await post(body, { signature: githubSignature('wrong', body) })).status).toBe(401);
    expect(
      (await post(body.replace('fix', 'break'), { signature: githubSignature(SECRET, body) })).status,
    ).toBe(401);
    expect((await post(body, { signature: '' })).status).toBe(401);
    expect(await h.store.listSessions()).toEqual([]);
    expect(github.writes()).toEqual([]);
  });

  it('ignores its own comments, humans talking, and users without write access', async () => {
    const own = await post(
      comment('@drydock started', (p) => {
        p.sender.login = 'drydock[bot]';
      }),
    );
    const talk = await post(comment('looks flaky to me'));
    const reader = await post(
      comment('@drydock fix it', (p) => {
        p.sender.login = 'reader';
      }),
    );
    expect(await own.json()).toMatchObject({
      outcome: 'ignored: drydock does not react to its own comments',
    });
    expect(await talk.json()).toMatchObject({ outcome: expect.stringMatching(/^ignored/) });
    expect(await reader.json()).toMatchObject({ outcome: 'ignored: reader has no write access' });
    expect(await h.store.listSessions()).toEqual([]);
  });

  it('a member starts a session on a registered GitHub repository over the API: its pull request opens', async () => {
    const api = (body: unknown) =>
      fetch(`${server.url}/api/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.tokens.member}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const withRef = await api({ repo: 'acme/app', task: 'fix the failing test', ref: 'main' });
    expect(await withRef.json()).toMatchObject({ error: { code: 'ref_not_supported' } });
    const created = await api({ repo: 'ACME/app', task: 'fix the failing test' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const session = await settled(id);
    expect(session).toMatchObject({ state: 'delivered', createdBy: { name: 'member token' } });
    expect(session.repo).toBe(join(h.deps.home, 'repos', 'acme', 'app'));
    expect(github.repos.get('acme/app')?.pulls).toMatchObject([{ head: session.branch, base: 'main' }]);
  });

  it('ignores repositories nobody registered: no session, no word on GitHub', async () => {
    github.addRepo('acme/other', { permissions: { Codertocat: 'write' } });
    const response = await post(
      comment('@drydock fix the failing test', (p) => {
        p.repository.full_name = 'acme/other';
      }),
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      outcome: 'ignored: acme/other is not a registered repository',
      sessionId: null,
    });
    expect(await h.store.listSessions()).toEqual([]);
    expect(github.writes()).toEqual([]);
    expect(github.repos.get('acme/other')?.comments).toEqual([]);
  });

  it('runs nothing for a commenter whose permission drydock cannot read, and says why on the issue', async () => {
    // The token can clone acme/app but not read who may write to it: failing open would let anyone start work.
    github.repos.get('acme/app')!.permissionsForbidden = true;
    const response = await post(comment('@drydock fix the failing test'));
    const answer = (await response.json()) as { sessionId: string; outcome: string };
    expect(answer.outcome).toMatch(/^failed: /);
    const session = await h.store.getSession(answer.sessionId);
    expect(session).toMatchObject({ state: 'failed', repo: 'acme/app', baseCommit: null });
    expect(await h.store.listSessions()).toHaveLength(1);
    const events = await h.store.listEvents(answer.sessionId);
    expect(
      events.some((event) => event.data.type.startsWith('tool.') || event.data.type === 'gate.verdict'),
    ).toBe(false);
    const repo = github.repos.get('acme/app')!;
    expect(repo.pulls).toEqual([]);
    expect(repo.comments.map((c) => c.body).join('\n')).toContain('drydock could not start');
  });

  it('leaves a failed session saying why when drydock cannot read the repository', async () => {
    const response = await post(
      comment('@drydock fix it', (p) => {
        p.repository.full_name = 'acme/secret';
      }),
    );
    const answer = (await response.json()) as { sessionId: string; outcome: string };
    const session = await h.store.getSession(answer.sessionId);
    expect(session).toMatchObject({ state: 'failed', repo: 'acme/secret' });
    expect(session?.reason).toContain('no access');
  });
});
