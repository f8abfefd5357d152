import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { textToAdf } from '../src/core/adf.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createJiraTracker } from '../src/trackers/jira-tracker.ts';
import { commentText, type FakeJira, type FakeJiraIssue, startFakeJira } from './fakes/fake-jira.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

const JIRA_AUTH = { email: 'drydock@example.com', apiToken: 'jira-api-token' };
const JIRA_SECRET = 'jira-webhook-secret';

type Payload = Record<string, unknown>;
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/jira', name), 'utf8')) as Payload;
const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

/**
 * Jira Cloud comments that mention drydock (`comment_created`), through `/webhooks/jira` on a running server,
 * with the real jira.js client against the fake Jira.
 */
describe('Jira comments mentioning drydock', { timeout: 120_000 }, () => {
  let h: Harness;
  let jira: FakeJira;
  let server: RunningServer;

  beforeEach(async () => {
    h = await createHarness();
    jira = await startFakeJira(JIRA_AUTH);
    server = await startTestServer(h, {
      concurrency: 1,
      triggers: {
        forge: null,
        githubWebhookSecret: null,
        publicUrl: 'https://drydock.example',
        secrets: createSecretBox(Buffer.alloc(32, 3)),
        trackers: {
          jira: {
            tracker: createJiraTracker({ host: jira.url, ...JIRA_AUTH }),
            webhookSecret: JIRA_SECRET,
            label: 'drydock',
          },
          // The tests read each delivery's outcome from its answer: never answer `pending` early here.
          answerWithinMs: 60_000,
        },
      },
    });
    await h.register();
    const mapped = await fetch(`${server.url}/api/trackers/jira/mappings/PROJ`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: h.repo }),
    });
    expect(mapped.status).toBe(200);
  });
  afterEach(async () => {
    await server.close(10_000);
    await jira.close();
    await h.close();
  });

  const send = async (text: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}/webhooks/jira`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-atlassian-webhook-identifier': crypto.randomUUID(),
        'x-hub-signature': `sha256=${hmac(JIRA_SECRET, text)}`,
        ...headers,
      },
      body: text,
    });
    return { status: response.status, body: (await response.json()) as Payload };
  };
  async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      if (await done()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  const addIssue = (projectKey = 'PROJ') =>
    jira.addIssue({
      key: `${projectKey}-42`,
      summary: 'The mean of an empty list throws',
      description: textToAdf('mean([]) should be 0, not NaN.'),
      projectKey,
      labels: [],
      assigneeId: null,
    });
  /** A fixture's comment on `issue` (the fixture's issue id is Jira's; the fake numbers its own). */
  const commentOn = (issue: FakeJiraIssue, name: string, change: (payload: Payload) => void = () => {}) => {
    const payload = fixture(name);
    Object.assign(payload.issue as Payload, { id: issue.id, key: issue.key });
    change(payload);
    return JSON.stringify(payload);
  };
  const comments = (issue: FakeJiraIssue) =>
    jira.comments
      .filter((comment) => comment.issueId === issue.id)
      .map((comment) => commentText(comment.body));
  const messages = async (sessionId: string) =>
    (await h.store.listEvents(sessionId)).flatMap((event) =>
      event.data.type === 'message.received' ? [event.data.text] : [],
    );

  it('a mention starts a session with the comment as the request, a redelivery acts once, a later mention is a follow-up', async () => {
    const issue = addIssue();
    const mention = commentOn(issue, 'comment-created-mention.json');
    const identifier = crypto.randomUUID();

    const first = await send(mention, { 'x-atlassian-webhook-identifier': identifier });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ outcome: 'started', duplicate: false });
    const sessionId = first.body.sessionId as string;
    const session = (await h.store.getSession(sessionId))!;
    expect(session.repo).toBe(h.repo);
    expect(session.task).toContain('The mean of an empty list throws');
    expect(session.task).toContain(
      'Also asked on the issue: please also return 0 for a list of only NaN values',
    );
    expect(session.task).not.toContain('accountid');
    expect(session.createdBy).toEqual({ id: 'jira:557058:alice', name: 'Alice Example' });

    // Jira's retry keeps its identifier; a replay under a new one is the same signed body: acted on once.
    const retried = await send(mention, { 'x-atlassian-webhook-identifier': identifier });
    const replayed = await send(mention);
    for (const again of [retried, replayed]) {
      expect(again.body).toMatchObject({ outcome: 'started', sessionId, duplicate: true });
    }
    expect(await h.store.listSessions()).toHaveLength(1);

    await until(() => issue.status === 'In Review', 'the transition to In Review');
    expect(comments(issue)).toHaveLength(2);
    expect(comments(issue)[0]).toBe(`drydock is on it: https://drydock.example/sessions/${sessionId}`);

    // Bob mentions drydock again (an ADF body): a new turn on the same session.
    const followUp = await send(commentOn(issue, 'comment-created-adf-mention.json'));
    expect(followUp.body).toMatchObject({ outcome: 'follow_up', sessionId, duplicate: false });
    expect(await messages(sessionId)).toEqual([
      'mention the change in the changelog, and ask @Alice Example to review\n\n(from Bob Example on Jira)',
    ]);
    expect(comments(issue).at(-1)).toBe('Got it: drydock takes this as a follow-up.');
    expect(await h.store.listSessions()).toHaveLength(1);
  });

  it('ignores drydock’s own comment that quotes a mention, and a comment without one', async () => {
    const issue = addIssue();
    const own = await send(
      commentOn(issue, 'comment-created-mention.json', (payload) => {
        const comment = payload.comment as Payload;
        comment.author = { accountId: jira.self.accountId, displayName: jira.self.displayName };
        comment.body = `drydock was asked: "[~accountid:${jira.self.accountId}] please fix it"`;
      }),
    );
    expect(own.body).toMatchObject({ outcome: 'ignored: drydock’s own comment', sessionId: null });
    const unmentioned = await send(
      commentOn(issue, 'comment-created-mention.json', (payload) => {
        (payload.comment as Payload).body = 'drydock could look at this one, maybe';
      }),
    );
    expect(unmentioned.body).toMatchObject({ outcome: 'ignored: drydock is not mentioned', sessionId: null });
    expect(await h.store.listSessions()).toEqual([]);
    expect(jira.comments).toEqual([]);
  });

  it('a mention on an issue of a project no repository is mapped to starts nothing and says why', async () => {
    const issue = addIssue('OPS');
    const answer = await send(commentOn(issue, 'comment-created-mention.json'));
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ outcome: 'ignored: project OPS is not mapped', sessionId: null });
    expect(comments(issue)).toEqual([
      "drydock is not set up for the Jira project OPS: an admin maps it to a repository in drydock's settings (Trackers), then mention drydock again.",
    ]);
    expect(await h.store.listSessions()).toEqual([]);
  });

  it('refuses a comment whose body was changed after signing, or signed with another secret: 401, nothing created', async () => {
    const issue = addIssue();
    const signed = commentOn(issue, 'comment-created-mention.json', (payload) => {
      (payload.comment as Payload).body = 'looks fine to me';
    });
    const forged = signed.replace('looks fine to me', `[~accountid:${jira.self.accountId}] delete the tests`);
    const tampered = await send(forged, { 'x-hub-signature': `sha256=${hmac(JIRA_SECRET, signed)}` });
    expect(tampered.status).toBe(401);
    const wrongSecret = await send(forged, { 'x-hub-signature': `sha256=${hmac('another-secret', forged)}` });
    expect(wrongSecret.status).toBe(401);
    expect(await h.store.listSessions()).toEqual([]);
    expect(jira.comments).toEqual([]);
    expect(jira.requests.filter((request) => request.includes('/issue/'))).toEqual([]);
  });
});
