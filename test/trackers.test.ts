import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { textToAdf } from '../src/core/adf.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createJiraTracker } from '../src/trackers/jira-tracker.ts';
import { createLinearTracker } from '../src/trackers/linear-tracker.ts';
import { commentText, type FakeJira, startFakeJira } from './fakes/fake-jira.ts';
import { type FakeLinear, startFakeLinear } from './fakes/fake-linear.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

const LINEAR_KEY = 'lin_api_fake_key';
const LINEAR_SECRET = 'linear-webhook-secret';
const JIRA_AUTH = { email: 'drydock@example.com', apiToken: 'jira-api-token' };
const JIRA_SECRET = 'jira-webhook-secret';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as Record<string, unknown>;
const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

/** Linear and Jira Cloud through `/webhooks/linear` and `/webhooks/jira` on a running server, against fakes of their APIs. */
describe('issue trackers', { timeout: 120_000 }, () => {
  let h: Harness;
  let linear: FakeLinear;
  let jira: FakeJira;
  let server: RunningServer;
  let triggers: ServerTriggers;

  beforeEach(async () => {
    h = await createHarness();
    linear = await startFakeLinear({ apiKey: LINEAR_KEY });
    jira = await startFakeJira(JIRA_AUTH);
    triggers = {
      forge: null,
      githubWebhookSecret: null,
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 3)),
      trackers: {
        linear: {
          tracker: createLinearTracker({ apiKey: LINEAR_KEY, apiUrl: linear.url }),
          webhookSecret: LINEAR_SECRET,
          handle: 'drydock',
        },
        jira: {
          tracker: createJiraTracker({ host: jira.url, ...JIRA_AUTH }),
          webhookSecret: JIRA_SECRET,
          label: 'drydock',
        },
        // The tests read each delivery's outcome from its answer: never answer `pending` early here.
        answerWithinMs: 60_000,
      },
    };
    server = await startTestServer(h, { concurrency: 1, triggers });
    await h.register();
  });
  afterEach(async () => {
    await server.close(10_000);
    await linear.close();
    await jira.close();
    await h.close();
  });

  const api = (method: string, path: string, body?: unknown, role: 'admin' | 'member' = 'admin') =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${h.tokens[role]}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const sendLinear = async (payload: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(payload);
    const response = await fetch(`${server.url}/webhooks/linear`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'linear-event': String(payload.type),
        'linear-delivery': crypto.randomUUID(),
        'linear-signature': hmac(LINEAR_SECRET, text),
        ...headers,
      },
      body: text,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const sendJira = async (payload: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(payload);
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
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      if (await done()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  const linearComments = (issueId: string) =>
    linear.comments.filter((comment) => comment.issueId === issueId).map((comment) => comment.body);
  const jiraComments = (issueId: string) =>
    jira.comments
      .filter((comment) => comment.issueId === issueId)
      .map((comment) => commentText(comment.body));
  const addLinearIssue = (team = 'team-eng-0001') =>
    linear.addIssue({
      id: 'issue-eng-42-uuid',
      identifier: 'ENG-42',
      title: 'The mean of an empty list throws',
      description: '`mean([])` should be 0, not NaN.',
      teamId: team,
      assigneeId: linear.viewer.id,
      labels: ['Bug'],
    });
  const linearAssigned = (): Record<string, unknown> => ({
    ...fixture('linear/issue-assigned.json'),
    webhookTimestamp: Date.now(),
  });

  it('a Linear issue assigned to drydock runs on the mapped repository, is moved to In Progress, then In Review with the result commented', async () => {
    const mapped = await api('PUT', '/api/trackers/linear/mappings/ENG', { repo: h.repo });
    expect(mapped.status).toBe(200);
    expect(await mapped.json()).toMatchObject({
      tracker: 'linear',
      project: 'ENG',
      repo: h.repo,
      states: { started: 'In Progress', delivered: 'In Review' },
    });
    const issue = addLinearIssue();
    const payload = linearAssigned();

    const first = await sendLinear(payload);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ outcome: 'started', duplicate: false });
    const sessionId = first.body.sessionId as string;
    const session = (await h.store.getSession(sessionId))!;
    expect(session.repo).toBe(h.repo);
    expect(session.task).toContain('The mean of an empty list throws');
    expect(session.task).toContain('`mean([])` should be 0, not NaN.');
    expect(session.task).toContain('ENG-42');
    expect(session.createdBy).toEqual({ id: 'linear:user-alice-0001', name: 'Alice Example' });

    await until(() => linear.stateName(issue.id) === 'In Review', 'the move to In Review');
    const delivered = (await h.store.getSession(sessionId))!;
    expect(delivered.state).toBe('delivered');
    expect(linearComments(issue.id)).toEqual([
      `drydock is on it: https://drydock.example/sessions/${sessionId}`,
      `drydock delivered branch ${delivered.branch} (commit ${delivered.headCommit!.slice(0, 12)}): https://drydock.example/sessions/${sessionId}`,
    ]);
    // In Progress on the way (two state moves in all).
    expect(linear.operations.filter((name) => name === 'updateIssue')).toHaveLength(2);
    // Not asked through an agent session: no session to link.
    expect(linear.agentSessions.size).toBe(0);

    // The same delivery again (Linear retries), and the notifier started again (a restart): nothing new.
    const again = await sendLinear(payload);
    expect(again.body).toMatchObject({ outcome: 'started', sessionId, duplicate: true });
    await triggers.trackers!.notifier!.start();
    await triggers.trackers!.notifier!.idle();
    expect(linearComments(issue.id)).toHaveLength(2);
    expect(await h.store.listSessions()).toHaveLength(1);
  });

  it('a Linear agent session (drydock delegated through the agent API) is answered with activities there, a prompt is a follow-up turn', async () => {
    await api('PUT', '/api/trackers/linear/mappings/ENG', { repo: h.repo });
    const issue = addLinearIssue();
    const first = await sendLinear({
      ...fixture('linear/agent-session-created.json'),
      webhookTimestamp: Date.now(),
    });
    expect(first.body).toMatchObject({ outcome: 'started', duplicate: false });
    const sessionId = first.body.sessionId as string;
    // The agent session links to the drydock session's page (DRYDOCK_PUBLIC_URL), set before the answer.
    expect(linear.agentSessions).toEqual(
      new Map([
        [
          'agent-session-0001',
          {
            externalUrls: [
              { label: 'drydock session', url: `https://drydock.example/sessions/${sessionId}` },
            ],
          },
        ],
      ]),
    );
    await until(() => linear.stateName(issue.id) === 'In Review', 'the move to In Review');
    const delivered = (await h.store.getSession(sessionId))!;
    expect(linear.activities).toEqual([
      {
        agentSessionId: 'agent-session-0001',
        type: 'thought',
        body: `drydock is on it: https://drydock.example/sessions/${sessionId}`,
      },
      {
        agentSessionId: 'agent-session-0001',
        type: 'response',
        body: `drydock delivered branch ${delivered.branch} (commit ${delivered.headCommit!.slice(0, 12)}): https://drydock.example/sessions/${sessionId}`,
      },
    ]);
    expect(linear.comments).toEqual([]);

    const prompt = await sendLinear({
      ...fixture('linear/agent-session-prompted.json'),
      webhookTimestamp: Date.now(),
    });
    expect(prompt.body).toMatchObject({ outcome: 'follow_up', sessionId });
    const messages = (await h.store.listEvents(sessionId)).flatMap((event) =>
      event.data.type === 'message.received' ? [event.data.text] : [],
    );
    expect(messages).toEqual(['Also mention it in the changelog\n\n(from Bob Example on Linear)']);
    expect(linear.activities.at(-1)).toMatchObject({
      type: 'thought',
      body: 'Got it: drydock takes this as a follow-up.',
    });
    // The follow-up is the same drydock session: its link was set once.
    expect(linear.operations.filter((name) => name === 'updateAgentSession')).toHaveLength(1);
  });

  it('a Linear agent session that refuses drydock’s link still gets the session and its activities', async () => {
    await api('PUT', '/api/trackers/linear/mappings/ENG', { repo: h.repo });
    addLinearIssue();
    linear.foreignAgentSessions.add('agent-session-0001');
    const first = await sendLinear({
      ...fixture('linear/agent-session-created.json'),
      webhookTimestamp: Date.now(),
    });
    expect(first.body).toMatchObject({ outcome: 'started', duplicate: false });
    expect(linear.operations).toContain('updateAgentSession');
    expect(linear.agentSessions.size).toBe(0);
    expect(linear.activities[0]).toEqual({
      agentSessionId: 'agent-session-0001',
      type: 'thought',
      body: `drydock is on it: https://drydock.example/sessions/${first.body.sessionId as string}`,
    });
  });

  it('refuses a tampered or stale Linear delivery with 401, creating nothing; a replay is processed once', async () => {
    await api('PUT', '/api/trackers/linear/mappings/ENG', { repo: h.repo });
    addLinearIssue();
    const payload = linearAssigned();
    const text = JSON.stringify(payload);
    const tampered = await fetch(`${server.url}/webhooks/linear`, {
      method: 'POST',
      headers: { 'linear-signature': hmac(LINEAR_SECRET, text), 'content-type': 'application/json' },
      body: text.replace('user-alice-0001', 'user-mallory-01'),
    });
    expect(tampered.status).toBe(401);
    const wrongSecret = await sendLinear(payload, { 'linear-signature': hmac('another-secret', text) });
    expect(wrongSecret.status).toBe(401);
    const stale = await sendLinear({ ...payload, webhookTimestamp: Date.now() - 5 * 60_000 });
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error: { code: 'stale_timestamp' } });
    expect(await h.store.listSessions()).toEqual([]);
    expect(linear.comments).toEqual([]);

    // A captured delivery replayed with a fresh Linear-Delivery header: its signed body is the same delivery.
    const first = await sendLinear(payload);
    const replay = await sendLinear(payload, { 'linear-delivery': crypto.randomUUID() });
    expect(first.body).toMatchObject({ outcome: 'started', duplicate: false });
    expect(replay.body).toMatchObject({
      outcome: 'started',
      sessionId: first.body.sessionId,
      duplicate: true,
    });
    expect(await h.store.listSessions()).toHaveLength(1);
    // Every delivery is in the audit log: the three refused before Linear's trigger saw them, the one acted
    // on, and the replay.
    const audited = (await h.store.listAudit({ limit: 50 })).filter(
      (entry) => entry.details.source === 'linear',
    );
    expect(audited.map((entry) => entry.action).reverse()).toEqual([
      'trigger.refused',
      'trigger.refused',
      'trigger.refused',
      'trigger.accepted',
      'trigger.refused',
    ]);
  });

  it('an issue of an unmapped Linear team leaves a comment saying so, and no session', async () => {
    linear.teams.set('team-ops-0001', { id: 'team-ops-0001', key: 'OPS', name: 'Operations', states: [] });
    linear.teams.get('team-ops-0001')!.states.push({ id: 'state-ops-todo', name: 'Todo', type: 'unstarted' });
    const issue = addLinearIssue('team-ops-0001');
    const answer = await sendLinear(linearAssigned());
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ outcome: 'ignored: team OPS is not mapped', sessionId: null });
    expect(linearComments(issue.id)).toEqual([
      "drydock is not set up for the Linear team OPS: an admin maps it to a repository in drydock's settings (Trackers), then assign the issue again.",
    ]);
    expect(await h.store.listSessions()).toEqual([]);
    // Not an assignment to drydock (another assignee): ignored without a word.
    const other = linearAssigned();
    (other.data as Record<string, unknown>).assigneeId = 'user-bob-0001';
    expect((await sendLinear(other)).body).toMatchObject({
      outcome: 'ignored: not an assignment or delegation to drydock',
    });
    expect(linearComments(issue.id)).toHaveLength(1);
    // An issue drydock's key cannot see: nothing to answer on.
    const unseen = linearAssigned();
    (unseen.data as Record<string, unknown>).id = 'issue-in-a-private-team';
    expect((await sendLinear(unseen)).body).toMatchObject({
      outcome: 'ignored: Linear shows drydock no issue issue-in-a-private-team',
      sessionId: null,
    });
  });

  it('a Jira issue labelled drydock runs on the mapped repository, is transitioned and commented with the result', async () => {
    expect((await api('PUT', '/api/trackers/jira/mappings/PROJ', { repo: h.repo })).status).toBe(200);
    const issue = jira.addIssue({
      key: 'PROJ-42',
      summary: 'The mean of an empty list throws',
      description: textToAdf('mean([]) should be 0, not NaN.'),
      projectKey: 'PROJ',
      labels: ['backend', 'drydock'],
      assigneeId: null,
    });
    // The fixture's issue id is Jira's; the fake numbers its own.
    const payload = fixture('jira/issue-updated-label.json');
    (payload.issue as Record<string, unknown>).id = issue.id;

    const first = await sendJira(payload);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ outcome: 'started', duplicate: false });
    const sessionId = first.body.sessionId as string;
    expect((await h.store.getSession(sessionId))?.task).toContain('mean([]) should be 0, not NaN.');

    await until(() => issue.status === 'In Review', 'the transition to In Review');
    const delivered = (await h.store.getSession(sessionId))!;
    expect(delivered.state).toBe('delivered');
    expect(jiraComments(issue.id)).toEqual([
      `drydock is on it: https://drydock.example/sessions/${sessionId}`,
      `drydock delivered branch ${delivered.branch} (commit ${delivered.headCommit!.slice(0, 12)}): https://drydock.example/sessions/${sessionId}`,
    ]);
    // Links in comments are ADF link marks.
    expect(JSON.stringify(jira.comments[0]!.body)).toContain('"type":"link"');
    expect(
      jira.requests.filter((request) => request === `POST /rest/api/3/issue/PROJ-42/transitions`),
    ).toHaveLength(2);

    // Jira's retry keeps its identifier (and here its body): processed once.
    const identifier = crypto.randomUUID();
    const retried = await sendJira(payload, { 'x-atlassian-webhook-identifier': identifier });
    expect(retried.body).toMatchObject({ outcome: 'started', sessionId, duplicate: true });
    expect(await h.store.listSessions()).toHaveLength(1);
  });

  it('refuses a tampered Jira delivery with 401 and creates nothing', async () => {
    await api('PUT', '/api/trackers/jira/mappings/PROJ', { repo: h.repo });
    const payload = fixture('jira/issue-updated-label.json');
    const text = JSON.stringify(payload);
    const tampered = await sendJira(payload, {
      'x-hub-signature': `sha256=${hmac(JIRA_SECRET, `${text} `)}`,
    });
    expect(tampered.status).toBe(401);
    const unsigned = await fetch(`${server.url}/webhooks/jira`, { method: 'POST', body: text });
    expect(unsigned.status).toBe(401);
    expect(await h.store.listSessions()).toEqual([]);
    expect(jira.comments).toEqual([]);
  });

  it('maps trackers through the API: admins only, registered repositories only, states kept and changed', async () => {
    expect((await api('PUT', '/api/trackers/linear/mappings/ENG', { repo: h.repo }, 'member')).status).toBe(
      403,
    );
    const unregistered = await api('PUT', '/api/trackers/linear/mappings/ENG', { repo: '/srv/elsewhere' });
    expect(unregistered.status).toBe(400);
    expect(await unregistered.json()).toMatchObject({ error: { code: 'repo_not_registered' } });
    expect((await api('PUT', '/api/trackers/linear/mappings/not a key', { repo: h.repo })).status).toBe(400);
    await api('PUT', '/api/trackers/jira/mappings/PROJ', {
      repo: h.repo,
      states: { started: 'Doing', delivered: '' },
    });
    // A change of repository keeps the states it does not name.
    await api('PUT', '/api/trackers/jira/mappings/PROJ', { repo: h.repo, states: { delivered: 'Review' } });
    const list = await api('GET', '/api/trackers', undefined, 'member');
    expect(await list.json()).toMatchObject({
      trackers: [
        { tracker: 'linear', configured: true, webhookPath: '/webhooks/linear' },
        { tracker: 'jira', configured: true, webhookPath: '/webhooks/jira' },
      ],
      mappings: [
        { tracker: 'jira', project: 'PROJ', repo: h.repo, states: { started: 'Doing', delivered: 'Review' } },
      ],
    });
    expect((await api('DELETE', '/api/trackers/jira/mappings/PROJ')).status).toBe(204);
    expect((await api('DELETE', '/api/trackers/jira/mappings/PROJ')).status).toBe(404);
  });
});
