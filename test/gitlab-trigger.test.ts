import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '../src/core/session.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createForgeRegistry } from '../src/forge/forge-registry.ts';
import { createGitlabForge } from '../src/forge/gitlab-forge.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { type FakeGitlab, type FakeProject, startFakeGitlab } from './fakes/fake-gitlab.ts';
import { DEMO_WITH_FOLLOW_UP } from './support/follow-up-script.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { fakeWaitClock } from './support/wait-clock.ts';

const SECRET = 'gitlab-webhook-secret-token';

// biome-ignore lint/suspicious/noExplicitAny: test payloads are edited in place, field by field
type Payload = Record<string, any>;
const fixture = (name: string, change: (payload: Payload) => void = () => {}): Payload => {
  const payload = JSON.parse(
    readFileSync(join(import.meta.dirname, 'fixtures/gitlab', `${name}.json`), 'utf8'),
  );
  change(payload);
  return payload;
};

/**
 * GitLab end to end on a fake GitLab API and a local bare repository: webhook deliveries (GitLab's documented
 * payloads) → sessions run by a scripted model → a pushed branch and a merge request with the gate's
 * description, follow-ups, CI follow-ups from pipelines, and merges reported as `pull.closed`.
 */
describe('GitLab trigger', { timeout: 120_000 }, () => {
  let h: Harness;
  let gitlab: FakeGitlab;
  let project: FakeProject;
  let server: RunningServer;
  let bare: string;
  let triggers: ServerTriggers;
  let clock: ReturnType<typeof fakeWaitClock>;

  beforeEach(async () => {
    h = await createHarness();
    h.scripts.demo = DEMO_WITH_FOLLOW_UP;
    bare = join(h.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', h.repo, bare]);
    gitlab = await startFakeGitlab({ token: 'glpat-fake' });
    project = gitlab.addProject('acme/platform/app', {
      members: { alice: 30, rita: 20 },
      inheritedMembers: { max: 40 },
    });
    project.issues.push({ iid: 1, title: 'The greeting is wrong', description: '' });
    clock = fakeWaitClock();
    triggers = {
      forge: createForgeRegistry({
        gitlab: createGitlabForge({
          token: 'glpat-fake',
          url: gitlab.url,
          gitUrl: (path) => (path === 'acme/platform/app' ? bare : join(h.dir, 'missing.git')),
          sleep: async () => {},
        }),
      }),
      githubWebhookSecret: null,
      gitlabWebhookSecret: SECRET,
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 7)),
      ci: { clock, maxFollowUps: 1 },
    };
    server = await startTestServer(h, { concurrency: 1, triggers });
    // Registered by an admin: drydock acts only on these.
    await h.register('gitlab:acme/platform/app');
    await h.register('gitlab:acme/secret');
  });
  afterEach(async () => {
    await server.close(10_000);
    await gitlab.close();
    await h.close();
  });

  const post = (
    event: string,
    payload: Payload,
    headers: { token?: string | null; uuid?: string; idempotencyKey?: string } = {},
  ) =>
    fetch(`${server.url}/webhooks/gitlab`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': event,
        'x-gitlab-event-uuid': headers.uuid ?? crypto.randomUUID(),
        ...(headers.idempotencyKey ? { 'idempotency-key': headers.idempotencyKey } : {}),
        ...(headers.token === null ? {} : { 'x-gitlab-token': headers.token ?? SECRET }),
      },
      body: JSON.stringify(payload),
    });
  const deliver = async (event: string, payload: Payload) => {
    const response = await post(event, payload);
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
  const notesOn = (on: 'issue' | 'merge_request', iid: number) =>
    project.notes.filter((note) => note.on === on && note.iid === iid).map((note) => note.body);

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

  /** An @drydock note on issue 1, delivered: the session and its merge request. */
  async function delivered(): Promise<{ session: Session; iid: number }> {
    const answer = await deliver('Note Hook', fixture('note-issue'));
    expect(answer.outcome).toBe('started');
    const id = answer.sessionId!;
    await until(
      async () => (await deliveries(id)) === 1 && project.mergeRequests.length === 1,
      'the delivery',
    );
    const session = (await h.store.getSession(id))!;
    expect(branchOnRemote(session.branch!)).toBe(session.headCommit);
    return { session, iid: project.mergeRequests[0]!.iid };
  }

  it('keeps /webhooks/gitlab for GitLab: no signed hook may take the name', async () => {
    const response = await fetch(`${server.url}/api/hooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'gitlab',
        secret: 'a-hook-secret-of-enough-length',
        repo: 'gitlab:acme/platform/app',
        template: 'fix {{title}}',
      }),
    });
    expect(response.status).toBe(400);
    expect(await h.store.listTriggers('hook')).toEqual([]);
  });

  it('refuses a wrong or missing X-Gitlab-Token with 401 and creates nothing', async () => {
    for (const token of ['not-the-secret', null]) {
      const response = await post('Note Hook', fixture('note-issue'), { token });
      expect(response.status).toBe(401);
    }
    expect(await h.store.listSessions()).toEqual([]);
    expect(gitlab.requests).toEqual([]);
    // Refused before GitLab's trigger saw them, by an unverified sender: in the audit log all the same.
    const refused = await h.store.listAudit({ action: 'trigger.refused' });
    expect(refused.map((entry) => [entry.actor.id, entry.details.source])).toEqual([
      ['anonymous', 'gitlab'],
      ['anonymous', 'gitlab'],
    ]);
  });

  it('an @drydock issue note: a session that opens a merge request with the gate description, once per delivery', async () => {
    const uuid = crypto.randomUUID();
    const first = await post('Note Hook', fixture('note-issue'), { uuid });
    const answer = (await first.json()) as { outcome: string; sessionId: string };
    expect(answer.outcome).toBe('started');
    // GitLab retries with the same X-Gitlab-Event-UUID; a replay under a new UUID has the same body.
    const retried = await post('Note Hook', fixture('note-issue'), { uuid });
    expect(await retried.json()).toMatchObject({ sessionId: answer.sessionId, duplicate: true });
    const replayed = await post('Note Hook', fixture('note-issue'));
    expect(await replayed.json()).toMatchObject({ sessionId: answer.sessionId, duplicate: true });
    // Each delivery answered is in the audit log, with who sent it: one acted on, two refused as duplicates.
    const audited = await h.store.listAudit({ target: answer.sessionId });
    expect(audited.map((entry) => [entry.action, entry.actor.id, entry.details.source]).reverse()).toEqual([
      ['trigger.accepted', expect.stringMatching(/^gitlab:/), 'gitlab'],
      ['trigger.refused', expect.stringMatching(/^gitlab:/), 'gitlab'],
      ['trigger.refused', expect.stringMatching(/^gitlab:/), 'gitlab'],
    ]);
    expect(await h.store.listSessions()).toHaveLength(1);

    await until(
      async () => (await deliveries(answer.sessionId)) === 1 && project.mergeRequests.length === 1,
      'the delivery',
    );
    const session = (await h.store.getSession(answer.sessionId))!;
    expect(session.createdBy).toMatchObject({ id: 'gitlab:alice' });
    const [mr] = project.mergeRequests;
    expect(mr).toMatchObject({ source_branch: session.branch, target_branch: 'main', state: 'opened' });
    expect(mr!.description).toContain('drydock session: https://drydock.example/sessions/');
    expect(mr!.description).toContain('Closes #1');
    // The gate's description (pull-request.md) is what the merge request says.
    const artifacts = await h.store.listArtifacts(session.id);
    const description = artifacts.find((artifact) => artifact.name === 'pull-request.md')!;
    const gate = (await h.store.getArtifact(description.id))!.content;
    expect(mr!.description.startsWith(gate)).toBe(true);
    expect(notesOn('issue', 1)).toEqual([
      `drydock is on it: https://drydock.example/sessions/${session.id}`,
      `drydock opened ${gitlab.url}/acme/platform/app/-/merge_requests/${mr!.iid}`,
    ]);
    // The token went to the API only, never into the clone's config.
    expect(gitlab.requests.every((request) => request.privateToken === 'glpat-fake')).toBe(true);
  });

  it('a note on the merge request is a follow-up turn that moves the same merge request on', async () => {
    const { session, iid } = await delivered();
    const answer = await deliver(
      'Note Hook',
      fixture('note-merge-request', (p) => {
        p.object_attributes.note = '@drydock say in the comment that every element counts';
        p.merge_request.iid = iid;
        p.user.username = 'max'; // a Maintainer through the group: inherited access counts
      }),
    );
    expect(answer).toMatchObject({ outcome: 'follow_up', sessionId: session.id });
    await until(async () => (await deliveries(session.id)) === 2, 'the follow-up turn');
    const after = (await h.store.getSession(session.id))!;
    expect(after.branch).toBe(session.branch);
    expect(after.headCommit).not.toBe(session.headCommit);
    expect(branchOnRemote(after.branch!)).toBe(after.headCommit);
    expect((await messages(session.id))[0]).toBe(
      'say in the comment that every element counts (on hello.txt:1)\n\n(from @max on GitLab)',
    );
    expect(project.mergeRequests).toHaveLength(1);
    expect(notesOn('merge_request', iid).at(-1)).toBe(
      `drydock pushed ${after.headCommit!.slice(0, 12)} for the follow-up.`,
    );
  });

  it('a failed pipeline on the merge request head is a CI follow-up with the failing job log tail', async () => {
    const { session, iid } = await delivered();
    const head = session.headCommit!;
    project.pipelines.push({
      id: 31,
      sha: head,
      ref: session.branch!,
      status: 'failed',
      jobs: [
        { id: 379, name: 'build', stage: 'build', status: 'success', log: 'built' },
        {
          id: 380,
          name: 'unit',
          stage: 'test',
          status: 'failed',
          log: `${'noise\n'.repeat(500)}FAIL test/stats.test.js\n  expected 2, got 3`,
        },
      ],
    });
    const answer = await deliver(
      'Pipeline Hook',
      fixture('pipeline-failed', (p) => {
        p.object_attributes.sha = head;
        p.merge_request.iid = iid;
      }),
    );
    expect(answer).toMatchObject({ outcome: 'checks_read', sessionId: session.id });
    await until(async () => (await deliveries(session.id)) === 2, 'the CI fix turn');
    const [text] = await messages(session.id);
    expect(text).toContain('### test: unit (failure)');
    expect(text).toContain('expected 2, got 3');
    expect(text).not.toContain('### build: build');
    expect(text!.length).toBeLessThan(5000);
    expect(notesOn('merge_request', iid)[0]).toBe(
      `drydock is fixing CI: \`test: unit\` failed on ${head.slice(0, 12)} (attempt 1 of 1).`,
    );
  });

  it('a merged merge request is recorded on its session as pull.closed', async () => {
    const { session, iid } = await delivered();
    const answer = await deliver(
      'Merge Request Hook',
      fixture('merge-request-merged', (p) => {
        p.object_attributes.iid = iid;
        p.object_attributes.url = `${gitlab.url}/acme/platform/app/-/merge_requests/${iid}`;
      }),
    );
    expect(answer).toMatchObject({ outcome: 'pull_merged', sessionId: session.id });
    const closed = (await h.store.listEvents(session.id)).flatMap((event) =>
      event.data.type === 'pull.closed' ? [event.data] : [],
    );
    expect(closed).toEqual([
      {
        type: 'pull.closed',
        url: `${gitlab.url}/acme/platform/app/-/merge_requests/${iid}`,
        number: iid,
        merged: true,
        by: 'gitlab:alice',
      },
    ]);
    // Another project's merge request with the same iid is not drydock's.
    const other = await deliver(
      'Merge Request Hook',
      fixture('merge-request-merged', (p) => {
        p.project.path_with_namespace = 'acme/other';
      }),
    );
    expect(other.outcome).toBe('ignored: not a drydock merge request');
  });

  it('refuses a Reporter visibly, on the issue, and starts nothing', async () => {
    const answer = await deliver(
      'Note Hook',
      fixture('note-issue', (p) => {
        p.user.username = 'rita';
      }),
    );
    expect(answer).toMatchObject({ outcome: 'ignored: rita has no write access', sessionId: null });
    expect(await h.store.listSessions()).toEqual([]);
    expect(notesOn('issue', 1)).toEqual([
      '@rita drydock takes work only from members with the Developer role or above on this project.',
    ]);
  });

  it('starts on the drydock label, and leaves a failed session saying why when the project is out of reach', async () => {
    const labelled = await deliver('Issue Hook', fixture('issue-labelled'));
    expect(labelled.outcome).toBe('started');
    const unreachable = await deliver(
      'Note Hook',
      fixture('note-issue', (p) => {
        p.project.path_with_namespace = 'acme/secret';
      }),
    );
    const session = await h.store.getSession(unreachable.sessionId!);
    expect(session).toMatchObject({ state: 'failed', repo: 'gitlab:acme/secret' });
    expect(session?.reason).toContain('no access');
    expect(unreachable.outcome).toBe(`failed: ${session?.reason}`);
  });
});
