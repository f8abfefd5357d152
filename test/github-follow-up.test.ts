import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '../src/core/session.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createGithubForge, staticGithubToken } from '../src/forge/github-forge.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { findForgeLink } from '../src/triggers/forge-link.ts';
import { type FakeGithub, type FakeRepo, startFakeGithub } from './fakes/fake-github.ts';
import { DEMO_WITH_FOLLOW_UP } from './support/follow-up-script.ts';
import { type EditablePayload, githubExample } from './support/github-examples.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { githubSignature } from './support/sign.ts';
import { fakeWaitClock } from './support/wait-clock.ts';

const SECRET = 'webhook-test-secret';

/**
 * Follow-ups on drydock's pull requests, end to end on a fake GitHub: a review comment addressing drydock,
 * and CI follow-up (failing check runs → a fixing turn, green → nothing, the cap → a comment).
 */
describe('GitHub follow-ups on a drydock pull request', { timeout: 120_000 }, () => {
  let h: Harness;
  let github: FakeGithub;
  let remote: FakeRepo;
  let server: RunningServer;
  let bare: string;
  let triggers: ServerTriggers;
  let clock: ReturnType<typeof fakeWaitClock>;

  beforeEach(async () => {
    h = await createHarness();
    // The follow-up turn: the scripted model replays by position, after the delivery's turns.
    h.scripts.demo = DEMO_WITH_FOLLOW_UP;
    bare = join(h.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', h.repo, bare]);
    github = await startFakeGithub({ token: 'ghs_fake' });
    remote = github.addRepo('acme/app', { permissions: { Codertocat: 'write' } });
    clock = fakeWaitClock();
    triggers = {
      forge: createGithubForge({
        tokens: staticGithubToken('ghs_fake'),
        baseUrl: github.url,
        gitUrl: () => bare,
      }),
      githubWebhookSecret: SECRET,
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 7)),
      ci: { clock, maxFollowUps: 1 },
    };
    server = await startTestServer(h, { concurrency: 1, triggers });
    // Registered by an admin: drydock acts only on these.
    await h.register('acme/app');
  });
  afterEach(async () => {
    await server.close(10_000);
    await github.close();
    await h.close();
  });

  const post = async (event: string, payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    const response = await fetch(`${server.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': crypto.randomUUID(),
        'x-hub-signature-256': githubSignature(SECRET, body),
      },
      body,
    });
    expect(response.status).toBe(202);
    return (await response.json()) as { outcome: string; sessionId: string | null };
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

  /** Moves the fake clock on (the CI watcher's polls) until `done`, with real time for the worker. */
  async function until(done: () => Promise<boolean>, what: string, advanceMs = 60_000): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      if (await done()) {
        await triggers.publisher?.idle();
        await triggers.ciWatcher?.idle();
        return;
      }
      clock.advance(advanceMs);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** An @drydock issue comment, delivered: the session and its pull request. */
  async function delivered(): Promise<{ session: Session; pull: number }> {
    const answer = await post(
      'issue_comment',
      githubExample('issue_comment', 'created', (p) => {
        p.comment.body = '@drydock fix the failing test';
        p.repository.full_name = 'acme/app';
        delete p.issue.pull_request;
      }),
    );
    expect(answer.outcome).toBe('started');
    const id = answer.sessionId!;
    await until(async () => (await deliveries(id)) === 1 && remote.pulls.length === 1, 'the delivery', 0);
    const session = (await h.store.getSession(id))!;
    expect(branchOnRemote(session.branch!)).toBe(session.headCommit);
    return { session, pull: remote.pulls[0]!.number };
  }

  const check = (sha: string, conclusion: string, log = '') =>
    remote.checkRuns.push({
      id: 5000 + remote.checkRuns.length,
      sha,
      name: 'test',
      status: 'completed',
      conclusion,
      log,
    });

  it('a review comment addressing drydock becomes a follow-up turn that moves the same pull request on', async () => {
    const { session, pull } = await delivered();
    const answer = await post(
      'pull_request_review_comment',
      githubExample('pull_request_review_comment', 'created', (p: EditablePayload) => {
        p.comment.body = '@drydock say in the comment that every element counts';
        p.comment.user.login = 'Codertocat';
        p.sender.login = 'Codertocat';
        p.pull_request.number = pull;
        p.pull_request.head.ref = session.branch;
        p.repository.full_name = 'acme/app';
      }),
    );
    expect(answer).toMatchObject({ outcome: 'follow_up', sessionId: session.id });
    await until(async () => (await deliveries(session.id)) === 2, 'the follow-up turn', 0);
    const after = (await h.store.getSession(session.id))!;
    expect(after.branch).toBe(session.branch);
    expect(after.headCommit).not.toBe(session.headCommit);
    expect(branchOnRemote(after.branch!)).toBe(after.headCommit);
    expect(
      execFileSync('git', ['rev-parse', `${after.headCommit}^`], { cwd: bare, encoding: 'utf8' }).trim(),
    ).toBe(session.headCommit);
    expect((await messages(session.id))[0]).toContain('every element counts');
    // Attributed to the GitHub user, in the session's log and in the audit log.
    const received = (await h.store.listEvents(session.id)).find(
      (event) => event.data.type === 'message.received',
    );
    expect(received?.data).toMatchObject({ by: 'github:Codertocat', byName: 'Codertocat' });
    const accepted = await h.store.listAudit({ action: 'trigger.accepted', target: session.id });
    expect(accepted.map((entry) => [entry.actor.id, entry.details.result])).toContainEqual([
      'github:Codertocat',
      'follow_up',
    ]);
    expect(remote.pulls).toHaveLength(1);
    expect(remote.comments.at(-1)).toMatchObject({
      issue: pull,
      body: `drydock pushed ${after.headCommit!.slice(0, 12)} for the follow-up.`,
    });
  });

  it('failing checks start a fixing turn with their logs and a comment; green checks start nothing', async () => {
    const { session, pull } = await delivered();
    const first = session.headCommit!;
    check(first, 'failure', `${'noise\n'.repeat(500)}FAIL test/stats.test.js\n  expected 2, got 3`);
    await until(async () => (await deliveries(session.id)) === 2, 'the CI fix turn');
    const after = (await h.store.getSession(session.id))!;
    const second = after.headCommit!;
    expect(second).not.toBe(first);
    expect(branchOnRemote(after.branch!)).toBe(second);
    const [text] = await messages(session.id);
    expect(text).toContain('### test (failure)');
    expect(text).toContain('expected 2, got 3');
    expect(text!.length).toBeLessThan(5000);
    expect(remote.comments.filter((c) => c.issue === pull).map((c) => c.body)).toEqual([
      `drydock is fixing CI: \`test\` failed on ${first.slice(0, 12)} (attempt 1 of 1).`,
      `drydock pushed ${second.slice(0, 12)} for the follow-up.`,
    ]);

    // Green on the new commit, reported by a real check_suite.completed webhook: nothing more happens.
    check(second, 'success');
    const answer = await post(
      'check_suite',
      githubExample('check_suite', 'completed', (p: EditablePayload) => {
        p.check_suite.head_sha = second;
        p.check_suite.pull_requests = [{ ...p.check_suite.pull_requests[0], number: pull }];
        p.repository.full_name = 'acme/app';
      }),
    );
    expect(answer).toMatchObject({ outcome: 'checks_read', sessionId: session.id });
    const link = findForgeLink(await h.store.listLinks({ sessionId: session.id }))!.data;
    expect(link).toMatchObject({ ciHandled: second, ciFollowUps: 1 });
    for (let i = 0; i < 40; i++) clock.advance(120_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await deliveries(session.id)).toBe(2);
    expect(await messages(session.id)).toHaveLength(1);
    expect(remote.comments.filter((c) => c.issue === pull)).toHaveLength(2);

    // A commit drydock did not push is not its business.
    const other = await post(
      'check_run',
      githubExample('check_run', 'completed', (p: EditablePayload) => {
        p.repository.full_name = 'acme/app';
        p.check_run.pull_requests = [];
      }),
    );
    expect(other.outcome).toBe('ignored: not a commit drydock pushed');
  });

  it('stops at the cap: a failure after the last CI fix gets a comment, not another turn', async () => {
    const { session, pull } = await delivered();
    check(session.headCommit!, 'failure', 'FAIL once');
    await until(async () => (await deliveries(session.id)) === 2, 'the CI fix turn');
    const second = (await h.store.getSession(session.id))!.headCommit!;
    check(second, 'failure', 'FAIL again');
    await until(
      async () => remote.comments.some((c) => c.body.includes('reached its limit')),
      'the cap comment',
    );
    expect(remote.comments.at(-1)!.body).toBe(
      `drydock reached its limit of 1 CI fix for this pull request: \`test\` still fail on ${second.slice(0, 12)}. Over to you.`,
    );
    expect(remote.comments.at(-1)!.issue).toBe(pull);
    for (let i = 0; i < 40; i++) clock.advance(120_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await h.store.getSession(session.id))!.state).toBe('delivered');
    expect(await deliveries(session.id)).toBe(2);
    expect(await messages(session.id)).toHaveLength(1);
  });
});
