import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SCRIPT } from '../src/cli/demo/demo-script.ts';
import type { Session } from '../src/core/session.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createBitbucketForge } from '../src/forge/bitbucket-forge.ts';
import { createForgeRegistry } from '../src/forge/forge-registry.ts';
import type { ScriptTurn } from '../src/models/script-file.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import type { WaitClock } from '../src/triggers/ci-watch.ts';
import { hmacSha256Hex } from '../src/triggers/signature.ts';
import { type FakeBitbucket, type FakeBitbucketRepo, startFakeBitbucket } from './fakes/fake-bitbucket.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

const SECRET = 'bitbucket-webhook-secret';
const ALICE = '557058:0a1ce000-0000-4000-8000-00000000a11c';
const MAX = '557058:3a40000-0000-4000-8000-0000000003a4';
const RITA = '557058:0a1ce000-0000-4000-8000-0000000081fa';

// biome-ignore lint/suspicious/noExplicitAny: test payloads are edited in place, field by field
type Payload = Record<string, any>;
const fixture = (name: string, change: (payload: Payload) => void = () => {}): Payload => {
  const payload = JSON.parse(
    readFileSync(join(import.meta.dirname, 'fixtures/bitbucket', `${name}.json`), 'utf8'),
  );
  change(payload);
  return payload;
};

/** A clock whose sleeps end only when the test moves time on (the CI watcher's polls). */
function fakeWaitClock(): WaitClock {
  const now = Date.parse('2026-01-01T00:00:00Z');
  return {
    now: () => new Date(now),
    sleep: (_ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
  };
}

/**
 * Bitbucket Cloud end to end on a fake Bitbucket API and a local bare repository: signed webhook deliveries
 * (Atlassian's documented payloads) → sessions run by a scripted model → a pushed branch and a pull request,
 * follow-ups, CI follow-ups from failed commit statuses, and merges reported as `pull.closed`.
 */
describe('Bitbucket trigger', { timeout: 120_000 }, () => {
  let h: Harness;
  let bitbucket: FakeBitbucket;
  let repo: FakeBitbucketRepo;
  let server: RunningServer;
  let bare: string;
  let triggers: ServerTriggers;

  beforeEach(async () => {
    h = await createHarness();
    h.scripts.demo = {
      coder: [
        ...(DEMO_SCRIPT as { coder: ScriptTurn[] }).coder,
        {
          toolCalls: [
            {
              name: 'edit_file',
              input: {
                path: 'src/stats.js',
                oldText: '/** The arithmetic mean of a list of numbers; 0 for an empty list. */',
                newText:
                  '/** The arithmetic mean of a list of numbers (every element counts); 0 for an empty list. */',
              },
            },
          ],
        },
        { toolCalls: [{ name: 'finish', input: { summary: 'Addressed the follow-up.' } }] },
      ],
      reviewer: (DEMO_SCRIPT as { reviewer: ScriptTurn[] }).reviewer,
    };
    bare = join(h.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', h.repo, bare]);
    bitbucket = await startFakeBitbucket({ token: 'bb-fake' });
    repo = bitbucket.addRepo('acme/app', {
      permissions: { [ALICE]: 'write', [MAX]: 'admin', [RITA]: 'read' },
    });
    repo.issues.push({ id: 1, title: 'The greeting is wrong' });
    triggers = {
      forge: createForgeRegistry({
        bitbucket: createBitbucketForge({
          token: 'bb-fake',
          apiUrl: bitbucket.apiUrl,
          gitUrl: (path) => (path === 'acme/app' ? bare : join(h.dir, 'missing.git')),
          sleep: async () => {},
        }),
      }),
      githubWebhookSecret: null,
      bitbucketWebhookSecret: SECRET,
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 7)),
      ci: { clock: fakeWaitClock(), maxFollowUps: 1 },
    };
    server = await startTestServer(h, { concurrency: 1, triggers });
    await h.register('bitbucket:acme/app');
    await h.register('bitbucket:acme/secret');
  });
  afterEach(async () => {
    await server.close(10_000);
    await bitbucket.close();
    await h.close();
  });

  const post = (
    event: string,
    payload: Payload,
    options: { secret?: string | null; request?: string; tamper?: boolean } = {},
  ) => {
    const body = JSON.stringify(payload);
    const sent = options.tamper ? body.replace('please fix', 'please break') : body;
    return fetch(`${server.url}/webhooks/bitbucket`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-event-key': event,
        'x-request-uuid': options.request ?? crypto.randomUUID(),
        'x-hook-uuid': '{f00d0000-0000-4000-8000-00000000f00d}',
        'x-attempt-number': '1',
        ...(options.secret === null
          ? {}
          : { 'x-hub-signature': `sha256=${hmacSha256Hex(options.secret ?? SECRET, body)}` }),
      },
      body: sent,
    });
  };
  const deliver = async (event: string, payload: Payload, options: Parameters<typeof post>[2] = {}) => {
    const response = await post(event, payload, options);
    expect(response.status).toBe(202);
    return (await response.json()) as { outcome: string; sessionId: string | null; duplicate: boolean };
  };
  const deliveries = async (id: string) =>
    (await h.store.listEvents(id)).filter(
      (event) => event.data.type === 'state.changed' && event.data.to === 'delivered',
    ).length;
  const messages = async (id: string) =>
    (await h.store.listEvents(id)).flatMap((event) =>
      event.data.type === 'message.received' ? [event.data.text] : [],
    );
  const branchOnRemote = (branch: string) =>
    execFileSync('git', ['rev-parse', `refs/heads/${branch}`], { cwd: bare, encoding: 'utf8' }).trim();
  const commentsOn = (on: 'issue' | 'pull', number: number) =>
    repo.comments.filter((c) => c.on === on && c.number === number).map((c) => c.body);

  async function until(done: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      if (await done()) {
        await triggers.publisher?.idle();
        await triggers.ciWatcher?.idle();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** An @drydock comment on the issue, delivered: the session and its pull request's number. */
  async function delivered(): Promise<{ session: Session; pull: number }> {
    const answer = await deliver('issue:comment_created', fixture('issue-comment-created'));
    expect(answer.outcome).toBe('started');
    const id = answer.sessionId!;
    await until(async () => (await deliveries(id)) === 1 && repo.pulls.length === 1, 'the delivery');
    const session = (await h.store.getSession(id))!;
    expect(branchOnRemote(session.branch!)).toBe(session.headCommit);
    return { session, pull: repo.pulls[0]!.id };
  }

  it('keeps /webhooks/bitbucket for Bitbucket: no signed hook may take the name', async () => {
    const response = await fetch(`${server.url}/api/hooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'bitbucket',
        secret: 'a-hook-secret-of-enough-length',
        repo: 'bitbucket:acme/app',
        template: 'fix {{title}}',
      }),
    });
    expect(response.status).toBe(400);
    expect(await h.store.listTriggers('hook')).toEqual([]);
  });

  it('refuses a tampered, wrongly signed or unsigned delivery with 401, creates nothing and audits it', async () => {
    const payload = fixture('issue-comment-created');
    const refused = ['tampered', 'wrong-secret', 'unsigned'];
    for (const [request, options] of [
      [refused[0], { tamper: true }],
      [refused[1], { secret: 'not-the-secret' }],
      [refused[2], { secret: null }],
    ] as const) {
      const response = await post('issue:comment_created', payload, { ...options, request });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain(SECRET);
    }
    expect(await h.store.listSessions()).toEqual([]);
    expect(bitbucket.requests).toEqual([]);
    // Each refusal is audited under its X-Request-UUID, from an unverified (anonymous) sender.
    const audited = await h.store.listAudit({});
    const mine = audited.filter((entry) => entry.details.source === 'bitbucket');
    expect(mine.map((entry) => [entry.action, entry.details.deliveryId]).sort()).toEqual(
      refused.map((id) => ['trigger.refused', id]).sort(),
    );
  });

  it('an @drydock issue comment starts a session that opens a pull request, once per delivery', async () => {
    const request = crypto.randomUUID();
    // A bad day: Bitbucket rate-limits the permission lookup once; drydock waits as asked and goes on.
    bitbucket.failNext(1, 429, 1);
    const answer = await deliver('issue:comment_created', fixture('issue-comment-created'), { request });
    expect(answer.outcome).toBe('started');
    expect(bitbucket.requests.filter((r) => r.path.includes('/permissions-config/users/')).length).toBe(2);
    // Bitbucket retries with the same X-Request-UUID; a replay under a new id has the same signed body.
    expect(
      await deliver('issue:comment_created', fixture('issue-comment-created'), { request }),
    ).toMatchObject({ sessionId: answer.sessionId, duplicate: true });
    expect(await deliver('issue:comment_created', fixture('issue-comment-created'))).toMatchObject({
      sessionId: answer.sessionId,
      duplicate: true,
    });
    // The same X-Request-UUID on a body signed afresh (another field moved) is still that delivery.
    const resigned = fixture('issue-comment-created', (p) => (p.comment.updated_on = '2025-06-02T10:02:00Z'));
    expect(await deliver('issue:comment_created', resigned, { request })).toMatchObject({
      sessionId: answer.sessionId,
      duplicate: true,
    });
    expect(await h.store.listSessions()).toHaveLength(1);
    const audited = await h.store.listAudit({ target: answer.sessionId! });
    expect(audited.map((entry) => [entry.action, entry.actor.id]).reverse()).toEqual([
      ['trigger.accepted', `bitbucket:${ALICE}`],
      ['trigger.refused', `bitbucket:${ALICE}`],
      ['trigger.refused', `bitbucket:${ALICE}`],
      ['trigger.refused', `bitbucket:${ALICE}`],
    ]);

    const id = answer.sessionId!;
    await until(async () => (await deliveries(id)) === 1 && repo.pulls.length === 1, 'the delivery');
    const session = (await h.store.getSession(id))!;
    expect(session.createdBy).toMatchObject({ id: `bitbucket:${ALICE}`, name: 'alice' });
    expect(session.task).toContain('Request: please fix the greeting');
    const [pull] = repo.pulls;
    expect(pull).toMatchObject({ source: session.branch, destination: 'main', state: 'OPEN' });
    expect(commentsOn('issue', 1)[0]).toBe(`drydock is on it: https://drydock.example/sessions/${id}`);
    // The permission was asked by account id; the token went to the API only, as a bearer.
    expect(bitbucket.requests.map((r) => r.path)).toContain(
      `/2.0/repositories/acme/app/permissions-config/users/${encodeURIComponent(ALICE)}`,
    );
    expect(bitbucket.requests.every((r) => r.authorization === 'Bearer bb-fake')).toBe(true);
  });

  it("a comment addressing drydock on drydock's pull request is a follow-up turn on the same branch", async () => {
    const { session, pull } = await delivered();
    const answer = await deliver(
      'pullrequest:comment_created',
      fixture('pullrequest-comment-created', (p) => (p.pullrequest.id = pull)),
    );
    expect(answer).toMatchObject({ outcome: 'follow_up', sessionId: session.id });
    await until(async () => (await deliveries(session.id)) === 2, 'the follow-up turn');
    const after = (await h.store.getSession(session.id))!;
    expect(after.branch).toBe(session.branch);
    expect(after.headCommit).not.toBe(session.headCommit);
    expect(branchOnRemote(after.branch!)).toBe(after.headCommit);
    expect((await messages(session.id))[0]).toBe(
      'say in the comment that every element counts\n\n(from max on Bitbucket)',
    );
    expect(repo.pulls).toHaveLength(1);
    // drydock's own comment on its pull request, delivered back, is not acted on.
    const own = await deliver(
      'pullrequest:comment_created',
      fixture('pullrequest-comment-created', (p) => {
        p.pullrequest.id = pull;
        p.actor.nickname = 'drydock';
      }),
    );
    expect(own.outcome).toBe('ignored: drydock does not react to its own comments');
  });

  it('refuses a commenter without write visibly, on the issue and on the pull request, and acts on nothing', async () => {
    const asRita = (p: Payload) => {
      p.actor.account_id = RITA;
      p.actor.nickname = 'rita';
    };
    const answer = await deliver('issue:comment_created', fixture('issue-comment-created', asRita));
    expect(answer).toMatchObject({ outcome: 'ignored: rita has no write access', sessionId: null });
    // Someone with no explicit permission at all (Bitbucket answers 404) is refused the same way.
    const stranger = await deliver(
      'issue:comment_created',
      fixture('issue-comment-created', (p) => {
        p.actor.account_id = '557058:stranger';
        p.actor.nickname = 'stranger';
      }),
    );
    expect(stranger.outcome).toBe('ignored: stranger has no write access');
    expect(await h.store.listSessions()).toEqual([]);
    expect(commentsOn('issue', 1)).toEqual([
      `@{${RITA}} drydock takes work only from people with write access to this repository.`,
      '@{557058:stranger} drydock takes work only from people with write access to this repository.',
    ]);

    const { session, pull } = await delivered();
    const followUp = await deliver(
      'pullrequest:comment_created',
      fixture('pullrequest-comment-created', (p) => {
        p.pullrequest.id = pull;
        asRita(p);
      }),
    );
    expect(followUp).toMatchObject({ outcome: 'ignored: rita has no write access', sessionId: session.id });
    expect(await messages(session.id)).toEqual([]);
    expect(commentsOn('pull', pull).at(-1)).toBe(
      `@{${RITA}} drydock takes work only from people with write access to this repository.`,
    );
  });

  it('a FAILED commit status on the pull request head is a CI follow-up that says where the log is', async () => {
    const { session, pull } = await delivered();
    const head = session.headCommit!;
    repo.statuses.push(
      { key: 'lint', sha: head, name: 'Lint', state: 'SUCCESSFUL' },
      {
        key: 'unit-tests',
        sha: head,
        name: 'Pipeline #7',
        state: 'FAILED',
        url: 'https://bitbucket.org/acme/app/pipelines/results/7',
      },
    );
    const answer = await deliver(
      'repo:commit_status_updated',
      fixture('commit-status-failed', (p) => (p.commit_status.commit.hash = head)),
    );
    expect(answer).toMatchObject({ outcome: 'checks_read', sessionId: session.id });
    await until(async () => (await deliveries(session.id)) === 2, 'the CI fix turn');
    const [text] = await messages(session.id);
    expect(text).toContain('### Pipeline #7 (failure)');
    expect(text).toContain('its log is at https://bitbucket.org/acme/app/pipelines/results/7');
    expect(text).not.toContain('### Lint');
    expect(commentsOn('pull', pull)[0]).toBe(
      `drydock is fixing CI: \`Pipeline #7\` failed on ${head.slice(0, 12)} (attempt 1 of 1).`,
    );
    // A commit drydock did not push is not its to fix.
    const other = await deliver(
      'repo:commit_status_updated',
      fixture('commit-status-failed', (p) => (p.commit_status.commit.hash = 'ab'.repeat(20))),
    );
    expect(other.outcome).toBe('ignored: not a commit drydock pushed');
  });

  it('a fulfilled pull request is recorded on its session as pull.closed; a declined one too', async () => {
    const { session, pull } = await delivered();
    const url = `https://bitbucket.org/acme/app/pull-requests/${pull}`;
    const answer = await deliver(
      'pullrequest:fulfilled',
      fixture('pullrequest-fulfilled', (p) => (p.pullrequest.id = pull)),
    );
    expect(answer).toMatchObject({ outcome: 'pull_merged', sessionId: session.id });
    const closed = (await h.store.listEvents(session.id)).flatMap((event) =>
      event.data.type === 'pull.closed' ? [event.data] : [],
    );
    expect(closed).toEqual([{ type: 'pull.closed', url, number: pull, merged: true, by: 'bitbucket:alice' }]);
    const declined = await deliver(
      'pullrequest:rejected',
      fixture('pullrequest-rejected', (p) => (p.pullrequest.id = 99)),
    );
    expect(declined.outcome).toBe('ignored: not a drydock pull request');
  });

  it('fails closed, visibly, when the token cannot read permissions (no admin): nothing runs', async () => {
    repo.permissionsForbidden = true;
    const answer = await deliver('issue:comment_created', fixture('issue-comment-created'));
    const session = (await h.store.getSession(answer.sessionId!))!;
    expect(session).toMatchObject({ state: 'failed', repo: 'bitbucket:acme/app' });
    expect(session.reason).toContain('admin, to read other people');
    expect(answer.outcome).toBe(`failed: ${session.reason}`);
    expect(commentsOn('issue', 1)).toEqual([
      `drydock could not start: ${session.reason} (https://drydock.example/sessions/${session.id})`,
    ]);
    // Nothing was cloned or pushed: the repository was never read for work.
    expect(bitbucket.requests.map((r) => `${r.method} ${r.path}`)).not.toContain(
      'GET /2.0/repositories/acme/app',
    );
    expect(repo.pulls).toEqual([]);
  });

  it('answers 503 without DRYDOCK_BITBUCKET_WEBHOOK_SECRET, acting on nothing', async () => {
    const off = await startTestServer(h, {
      concurrency: 1,
      triggers: { ...triggers, bitbucketWebhookSecret: null },
    });
    try {
      const response = await fetch(`${off.url}/webhooks/bitbucket`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-event-key': 'issue:comment_created' },
        body: JSON.stringify(fixture('issue-comment-created')),
      });
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('DRYDOCK_BITBUCKET_WEBHOOK_SECRET');
    } finally {
      await off.close(10_000);
    }
    expect(await h.store.listSessions()).toEqual([]);
  });

  it('leaves a failed session saying why when the repository is out of reach', async () => {
    const answer = await deliver(
      'issue:comment_created',
      fixture('issue-comment-created', (p) => (p.repository.full_name = 'acme/secret')),
    );
    const session = await h.store.getSession(answer.sessionId!);
    expect(session).toMatchObject({ state: 'failed', repo: 'bitbucket:acme/secret' });
    expect(session?.reason).toContain('no access');
    expect(answer.outcome).toBe(`failed: ${session?.reason}`);
    // A repository nobody registered gets nothing, and Bitbucket is not even asked.
    const asked = bitbucket.requests.length;
    const unregistered = await deliver(
      'issue:comment_created',
      fixture('issue-comment-created', (p) => (p.repository.full_name = 'acme/other')),
    );
    expect(unregistered).toMatchObject({
      outcome: 'ignored: bitbucket:acme/other is not a registered repository',
      sessionId: null,
    });
    expect(bitbucket.requests.length).toBe(asked);
  });
});
