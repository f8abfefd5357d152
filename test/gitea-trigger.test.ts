import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SCRIPT } from '../src/cli/demo/demo-script.ts';
import type { Session } from '../src/core/session.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createForgeRegistry } from '../src/forge/forge-registry.ts';
import { createGiteaForge } from '../src/forge/gitea-forge.ts';
import type { ScriptTurn } from '../src/models/script-file.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import type { WaitClock } from '../src/triggers/ci-watch.ts';
import { hmacSha256Hex } from '../src/triggers/signature.ts';
import { type FakeGitea, type FakeGiteaRepo, startFakeGitea } from './fakes/fake-gitea.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

const SECRET = 'gitea-webhook-secret';

// biome-ignore lint/suspicious/noExplicitAny: test payloads are edited in place, field by field
type Payload = Record<string, any>;
const fixture = (name: string, change: (payload: Payload) => void = () => {}): Payload => {
  const payload = JSON.parse(
    readFileSync(join(import.meta.dirname, 'fixtures/gitea', `${name}.json`), 'utf8'),
  );
  change(payload);
  return payload;
};

/** A clock whose sleeps end only when the test moves time on (the CI watcher's polls). */
function fakeWaitClock(): WaitClock & { advance(ms: number): void } {
  let now = Date.parse('2026-01-01T00:00:00Z');
  let sleepers: Array<{ at: number; resolve: () => void }> = [];
  return {
    now: () => new Date(now),
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        sleepers.push({ at: now + ms, resolve });
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    advance(ms) {
      now += ms;
      const due = sleepers.filter((each) => each.at <= now);
      sleepers = sleepers.filter((each) => each.at > now);
      for (const each of due) each.resolve();
    },
  };
}

/**
 * Gitea (and Forgejo) end to end on a fake Gitea API and a local bare repository: signed webhook deliveries
 * (Gitea's documented payloads) → sessions run by a scripted model → a pushed branch and a pull request with
 * the gate's description, follow-ups, CI follow-ups from commit statuses, and merges reported as `pull.closed`.
 */
describe('Gitea trigger', { timeout: 120_000 }, () => {
  let h: Harness;
  let gitea: FakeGitea;
  let repo: FakeGiteaRepo;
  let server: RunningServer;
  let bare: string;
  let triggers: ServerTriggers;
  let clock: ReturnType<typeof fakeWaitClock>;
  let issue: number;

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
    gitea = await startFakeGitea({ token: 'gitea-fake' });
    repo = gitea.addRepo('acme/app', { permissions: { alice: 'write', rita: 'read', max: 'admin' } });
    issue = gitea.addIssue(repo, 'The greeting is wrong', 'hello.txt says Helo.');
    clock = fakeWaitClock();
    triggers = {
      forge: createForgeRegistry({
        gitea: createGiteaForge({
          token: 'gitea-fake',
          url: gitea.url,
          gitUrl: (path) => (path === 'acme/app' ? bare : join(h.dir, 'missing.git')),
          sleep: async () => {},
        }),
      }),
      githubWebhookSecret: null,
      giteaWebhookSecret: SECRET,
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 7)),
      ci: { clock, maxFollowUps: 1 },
    };
    server = await startTestServer(h, { concurrency: 1, triggers });
    await h.register('gitea:acme/app');
    await h.register('gitea:acme/secret');
  });
  afterEach(async () => {
    await server.close(10_000);
    await gitea.close();
    await h.close();
  });

  const post = (
    event: string,
    payload: Payload,
    options: {
      secret?: string | null;
      delivery?: string;
      forgejo?: boolean;
      path?: string;
      tamper?: boolean;
    } = {},
  ) => {
    const body = JSON.stringify(payload);
    const signed = options.tamper ? body.replace('"created"', '"created" ') : body;
    const prefix = options.forgejo ? 'x-forgejo' : 'x-gitea';
    return fetch(`${server.url}/webhooks/${options.path ?? 'gitea'}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [`${prefix}-event`]: event,
        [`${prefix}-delivery`]: options.delivery ?? crypto.randomUUID(),
        ...(options.secret === null
          ? {}
          : { [`${prefix}-signature`]: hmacSha256Hex(options.secret ?? SECRET, body) }),
      },
      body: signed,
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
  const commentsOn = (number: number) =>
    repo.comments.filter((comment) => comment.number === number).map((comment) => comment.body);

  async function until(done: () => Promise<boolean>, what: string, advanceMs = 0): Promise<void> {
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

  /** An @drydock comment on the issue, delivered: the session and its pull request's number. */
  async function delivered(): Promise<{ session: Session; pull: number }> {
    const answer = await deliver('issue_comment', fixture('issue-comment-issue'));
    expect(answer.outcome).toBe('started');
    const id = answer.sessionId!;
    await until(async () => (await deliveries(id)) === 1 && repo.pulls.length === 1, 'the delivery');
    const session = (await h.store.getSession(id))!;
    expect(branchOnRemote(session.branch!)).toBe(session.headCommit);
    return { session, pull: repo.pulls[0]!.number };
  }

  it('keeps /webhooks/gitea and /webhooks/forgejo for Gitea: no signed hook may take the names', async () => {
    for (const name of ['gitea', 'forgejo']) {
      const response = await fetch(`${server.url}/api/hooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name,
          secret: 'a-hook-secret-of-enough-length',
          repo: 'gitea:acme/app',
          template: 'fix {{title}}',
        }),
      });
      expect(response.status).toBe(400);
    }
    expect(await h.store.listTriggers('hook')).toEqual([]);
  });

  it('refuses a tampered, wrongly signed or unsigned delivery with 401 and creates nothing', async () => {
    const payload = fixture('issue-comment-issue');
    for (const options of [
      { tamper: true },
      { secret: 'not-the-secret' },
      { secret: null },
      { forgejo: true, tamper: true },
    ]) {
      const response = await post('issue_comment', payload, options);
      expect(response.status).toBe(401);
    }
    expect(await h.store.listSessions()).toEqual([]);
    expect(gitea.requests).toEqual([]);
  });

  it('an @drydock issue comment: a session that opens a pull request with the gate description, once per delivery', async () => {
    const delivery = crypto.randomUUID();
    const answer = await deliver('issue_comment', fixture('issue-comment-issue'), { delivery });
    expect(answer.outcome).toBe('started');
    // Gitea redelivers with the same X-Gitea-Delivery; a replay under a new id has the same signed body.
    expect(await deliver('issue_comment', fixture('issue-comment-issue'), { delivery })).toMatchObject({
      sessionId: answer.sessionId,
      duplicate: true,
    });
    expect(await deliver('issue_comment', fixture('issue-comment-issue'), { forgejo: true })).toMatchObject({
      sessionId: answer.sessionId,
      duplicate: true,
    });
    expect(await h.store.listSessions()).toHaveLength(1);
    // Each delivery answered is in the audit log with its sender: the one acted on, then the two duplicates.
    const audited = await h.store.listAudit({ target: answer.sessionId! });
    expect(audited.map((entry) => [entry.action, entry.actor.id, entry.details.source]).reverse()).toEqual([
      ['trigger.accepted', 'gitea:alice', 'gitea'],
      ['trigger.refused', 'gitea:alice', 'gitea'],
      ['trigger.refused', 'gitea:alice', 'gitea'],
    ]);

    const id = answer.sessionId!;
    await until(async () => (await deliveries(id)) === 1 && repo.pulls.length === 1, 'the delivery');
    const session = (await h.store.getSession(id))!;
    expect(session.createdBy).toMatchObject({ id: 'gitea:alice' });
    const [pull] = repo.pulls;
    expect(pull).toMatchObject({
      head: session.branch,
      base: 'main',
      state: 'open',
      title: 'The greeting is wrong',
    });
    // The gate's description (pull-request.md) is what the pull request says.
    const artifacts = await h.store.listArtifacts(session.id);
    const description = artifacts.find((artifact) => artifact.name === 'pull-request.md')!;
    const gate = (await h.store.getArtifact(description.id))!.content;
    expect(pull!.body.startsWith(gate)).toBe(true);
    expect(pull!.body).toContain(`drydock session: https://drydock.example/sessions/${session.id}`);
    expect(pull!.body).toContain(`Closes #${issue}`);
    expect(commentsOn(issue)).toEqual([
      `drydock is on it: https://drydock.example/sessions/${session.id}`,
      `drydock opened ${gitea.url}/acme/app/pulls/${pull!.number}`,
    ]);
    // The token went to the API only, as a bearer.
    expect(gitea.requests.every((request) => request.authorization === 'Bearer gitea-fake')).toBe(true);
  });

  it('a comment on the pull request is a follow-up turn that moves the same pull request on (Forgejo headers)', async () => {
    const { session, pull } = await delivered();
    const answer = await deliver(
      'issue_comment',
      fixture('issue-comment-pull', (p) => {
        p.issue.number = pull;
        p.sender.login = 'max';
      }),
      { forgejo: true, path: 'forgejo' },
    );
    expect(answer).toMatchObject({ outcome: 'follow_up', sessionId: session.id });
    await until(async () => (await deliveries(session.id)) === 2, 'the follow-up turn');
    const after = (await h.store.getSession(session.id))!;
    expect(after.branch).toBe(session.branch);
    expect(after.headCommit).not.toBe(session.headCommit);
    expect(branchOnRemote(after.branch!)).toBe(after.headCommit);
    expect((await messages(session.id))[0]).toBe(
      'say in the comment that every element counts\n\n(from @max on Gitea)',
    );
    expect(repo.pulls).toHaveLength(1);
    expect(commentsOn(pull).at(-1)).toBe(
      `drydock pushed ${after.headCommit!.slice(0, 12)} for the follow-up.`,
    );
  });

  it('a failed commit status on the pull request head is a CI follow-up that says where the log is', async () => {
    const { session, pull } = await delivered();
    const head = session.headCommit!;
    repo.statuses.push(
      { id: 70, sha: head, context: 'ci / build (pull_request)', status: 'success' },
      {
        id: 71,
        sha: head,
        context: 'ci / unit (pull_request)',
        status: 'failure',
        target_url: `${gitea.url}/acme/app/actions/runs/3/jobs/0`,
      },
    );
    const answer = await deliver(
      'status',
      fixture('status-failure', (p) => (p.sha = head)),
    );
    expect(answer).toMatchObject({ outcome: 'checks_read', sessionId: session.id });
    await until(async () => (await deliveries(session.id)) === 2, 'the CI fix turn');
    const [text] = await messages(session.id);
    expect(text).toContain('### ci / unit (pull_request) (failure)');
    expect(text).toContain(`its log is at ${gitea.url}/acme/app/actions/runs/3/jobs/0`);
    expect(text).not.toContain('### ci / build');
    expect(commentsOn(pull)[0]).toBe(
      `drydock is fixing CI: \`ci / unit (pull_request)\` failed on ${head.slice(0, 12)} (attempt 1 of 1).`,
    );
  });

  it('a merged pull request is recorded on its session as pull.closed', async () => {
    const { session, pull } = await delivered();
    const answer = await deliver(
      'pull_request',
      fixture('pull-request-merged', (p) => {
        p.number = pull;
        p.pull_request.number = pull;
        p.pull_request.html_url = `${gitea.url}/acme/app/pulls/${pull}`;
      }),
    );
    expect(answer).toMatchObject({ outcome: 'pull_merged', sessionId: session.id });
    const closed = (await h.store.listEvents(session.id)).flatMap((event) =>
      event.data.type === 'pull.closed' ? [event.data] : [],
    );
    expect(closed).toEqual([
      {
        type: 'pull.closed',
        url: `${gitea.url}/acme/app/pulls/${pull}`,
        number: pull,
        merged: true,
        by: 'gitea:alice',
      },
    ]);
    // The issue's number is not a pull request of drydock's.
    const other = await deliver(
      'pull_request',
      fixture('pull-request-merged', (p) => (p.pull_request.number = issue)),
    );
    expect(other.outcome).toBe('ignored: not a drydock pull request');
  });

  it('refuses a read-only collaborator visibly, on the issue, and starts nothing', async () => {
    const answer = await deliver(
      'issue_comment',
      fixture('issue-comment-issue', (p) => {
        p.sender.login = 'rita';
      }),
    );
    expect(answer).toMatchObject({ outcome: 'ignored: rita has no write access', sessionId: null });
    expect(await h.store.listSessions()).toEqual([]);
    expect(commentsOn(issue)).toEqual([
      '@rita drydock takes work only from collaborators with write access to this repository.',
    ]);
  });

  it('starts on the drydock label once, and leaves a failed session saying why when the repository is out of reach', async () => {
    const labelled = await deliver('issues', fixture('issues-label-updated'));
    expect(labelled.outcome).toBe('started');
    // Another label change on the same issue: Gitea sends every label again; drydock has the issue already.
    const again = await deliver(
      'issues',
      fixture('issues-label-updated', (p) => (p.issue.updated_at = 'later')),
    );
    expect(again).toMatchObject({
      outcome: 'ignored: drydock already has this issue',
      sessionId: labelled.sessionId,
    });
    const unreachable = await deliver(
      'issue_comment',
      fixture('issue-comment-issue', (p) => {
        p.repository.full_name = 'acme/secret';
      }),
    );
    const session = await h.store.getSession(unreachable.sessionId!);
    expect(session).toMatchObject({ state: 'failed', repo: 'gitea:acme/secret' });
    expect(session?.reason).toContain('no access');
    expect(unreachable.outcome).toBe(`failed: ${session?.reason}`);
  });
});
