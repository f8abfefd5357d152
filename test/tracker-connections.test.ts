import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decorate } from '../src/core/decorate.ts';
import type { SandboxProvider } from '../src/core/ports/sandbox.ts';
import { GLOBAL_SCOPE } from '../src/core/ports/store.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createSecretVault, type SecretVault } from '../src/environments/secret-vault.ts';
import { createNoSandboxProvider } from '../src/sandbox/no-sandbox-provider.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createTrackerConnections } from '../src/server/tracker-connections.ts';
import { createLinearTracker } from '../src/trackers/linear-tracker.ts';
import { type FakeJira, startFakeJira } from './fakes/fake-jira.ts';
import { type FakeLinear, startFakeLinear } from './fakes/fake-linear.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

// Random, so finding one anywhere can only mean it leaked.
const LINEAR_KEY = `lin_api_${randomBytes(12).toString('hex')}`;
const LINEAR_SECRET = `lin-whsec-${randomBytes(12).toString('hex')}`;
const JIRA_AUTH = { email: 'drydock@example.com', apiToken: `jira-${randomBytes(12).toString('hex')}` };
const JIRA_SECRET = `jira-whsec-${randomBytes(12).toString('hex')}`;
const TRACKER_SECRETS = [LINEAR_KEY, LINEAR_SECRET, JIRA_AUTH.apiToken, JIRA_SECRET];
// A repository secret the agent phase declares: the control that shows the recorder sees secrets at all.
const NPM_TOKEN = `npm_${randomBytes(12).toString('hex')}`;

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as Record<string, unknown>;
const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'ignore' });

/** Every environment a sandbox is created with or a command runs with, recorded as the provider is asked. */
function recordingProvider(inner: SandboxProvider, envs: Array<Record<string, string>>): SandboxProvider {
  return decorate(inner, {
    async create(spec) {
      envs.push({ ...spec.env });
      const sandbox = await inner.create(spec);
      return decorate(sandbox, {
        exec(command, options) {
          envs.push({ ...options?.env });
          return sandbox.exec(command, options);
        },
      });
    },
  });
}

/**
 * Tracker connections stored through `/api/trackers/connections`: sealed at rest, never answered, taken into
 * use by the webhooks and the notifier without a restart, refused to members, overridden by the environment,
 * and never handed to a sandbox.
 */
describe('tracker connections', { timeout: 120_000 }, () => {
  let h: Harness;
  let linear: FakeLinear;
  let jira: FakeJira;
  let server: RunningServer;
  let vault: SecretVault;
  const envs: Array<Record<string, string>> = [];
  const box = createSecretBox(Buffer.alloc(32, 5));

  const start = async (triggers: Partial<ServerTriggers> = {}) => {
    server = await startTestServer(h, {
      concurrency: 1,
      triggers: {
        forge: null,
        githubWebhookSecret: null,
        publicUrl: 'https://drydock.example',
        secrets: box,
        trackers: { answerWithinMs: 60_000 },
        ...triggers,
      },
    });
  };

  beforeEach(async () => {
    envs.length = 0;
    h = await createHarness({ sandboxes: recordingProvider(createNoSandboxProvider(), envs) });
    vault = createSecretVault(h.store, box);
    h.deps.vault = vault;
    // The agent phase gets NPM_TOKEN: what a sandbox is given on purpose.
    await mkdir(join(h.repo, '.drydock'), { recursive: true });
    await writeFile(join(h.repo, '.drydock', 'config.yaml'), 'secrets:\n  agent: [NPM_TOKEN]\n');
    git(h.repo, 'add', '.drydock');
    git(h.repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'drydock config');
    await vault.set(GLOBAL_SCOPE, 'NPM_TOKEN', NPM_TOKEN);
    linear = await startFakeLinear({ apiKey: LINEAR_KEY });
    jira = await startFakeJira(JIRA_AUTH);
    await h.register();
  });
  afterEach(async () => {
    await server?.close(10_000);
    await linear.close();
    await jira.close();
    await h.close();
  });

  const api = (method: string, path: string, body?: unknown, role: 'admin' | 'member' | 'viewer' = 'admin') =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${h.tokens[role]}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const connectLinear = (body: Record<string, unknown> = {}) =>
    api('PUT', '/api/trackers/connections/linear', {
      apiKey: LINEAR_KEY,
      webhookSecret: LINEAR_SECRET,
      apiUrl: linear.url,
      ...body,
    });
  const connectJira = (body: Record<string, unknown> = {}) =>
    api('PUT', '/api/trackers/connections/jira', {
      url: jira.url,
      ...JIRA_AUTH,
      webhookSecret: JIRA_SECRET,
      ...body,
    });
  const sendLinear = async (payload: Record<string, unknown>, secret = LINEAR_SECRET) => {
    const text = JSON.stringify(payload);
    const response = await fetch(`${server.url}/webhooks/linear`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'linear-delivery': crypto.randomUUID(),
        'linear-signature': hmac(secret, text),
      },
      body: text,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const expectNoTrackerSecret = (text: string) => {
    for (const secret of TRACKER_SECRETS) expect(text).not.toContain(secret);
  };
  async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      if (await done()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('connecting Linear through the API takes effect without a restart; the session it starts never sees a tracker secret', async () => {
    await start();
    const before = await sendLinear({
      ...fixture('linear/issue-assigned.json'),
      webhookTimestamp: Date.now(),
    });
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({ error: { code: 'linear_disabled' } });

    const connected = await connectLinear();
    expect(connected.status).toBe(200);
    expect(await connected.json()).toEqual({
      tracker: 'linear',
      source: 'stored',
      settings: { handle: 'drydock', apiUrl: linear.url },
      secretsSet: ['apiKey', 'webhookSecret'],
      updatedBy: 'admin token',
      updatedAt: expect.any(String),
      webhookPath: '/webhooks/linear',
    });
    // The credentials were checked with one call, as the connection's own user.
    expect(linear.operations).toContain('viewer');
    // Sealed at rest: the row holds no secret in the clear.
    const row = await h.store.getTrackerConnection('linear');
    expectNoTrackerSecret(JSON.stringify(row));
    expect(row && box.open(row.sealed.apiKey ?? '')).toBe(LINEAR_KEY);

    expect((await api('PUT', '/api/trackers/linear/mappings/ENG', { repo: h.repo })).status).toBe(200);
    const issue = linear.addIssue({
      id: 'issue-eng-42-uuid',
      identifier: 'ENG-42',
      title: 'The mean of an empty list throws',
      description: '`mean([])` should be 0, not NaN.',
      teamId: 'team-eng-0001',
      assigneeId: linear.viewer.id,
      labels: [],
    });
    // A delivery signed with another secret is still refused, and creates nothing.
    const payload = { ...fixture('linear/issue-assigned.json'), webhookTimestamp: Date.now() };
    expect((await sendLinear(payload, 'not-the-secret')).status).toBe(401);
    expect(await h.store.listSessions()).toEqual([]);

    const started = await sendLinear(payload);
    expect(started.body).toMatchObject({ outcome: 'started', duplicate: false });
    const sessionId = started.body.sessionId as string;
    // A replay (a fresh delivery id on the same signed body) is the same delivery.
    expect((await sendLinear(payload)).body).toMatchObject({ sessionId, duplicate: true });
    // The notifier uses the stored connection too: it moves the issue and comments.
    await until(() => linear.stateName(issue.id) === 'In Review', 'the move to In Review');
    expect((await h.store.getSession(sessionId))?.state).toBe('delivered');
    expect(linear.comments.some((comment) => comment.body.includes(sessionId))).toBe(true);

    // What sandboxes were given: the repository secret declared for the agent, and no tracker secret.
    const given = (await vault.forRepo(h.repo)).map((secret) => secret.name);
    expect(given).toEqual(['NPM_TOKEN']);
    expect(envs.length).toBeGreaterThan(0);
    expect(envs.some((env) => env.NPM_TOKEN === NPM_TOKEN)).toBe(true);
    expectNoTrackerSecret(JSON.stringify(envs));
    // Nor the session's log, which the model and every reader of the API see.
    expectNoTrackerSecret(JSON.stringify(await h.store.listEvents(sessionId)));
  });

  it('a replaced webhook secret applies at the next delivery, also when another process on the store replaced it', async () => {
    await start();
    expect((await connectLinear()).status).toBe(200);
    const payload = () => ({ ...fixture('linear/issue-assigned.json'), webhookTimestamp: Date.now() });
    expect((await sendLinear(payload())).status).toBe(202);

    const second = `lin-whsec-${randomBytes(12).toString('hex')}`;
    const replaced = await api('PUT', '/api/trackers/connections/linear', { webhookSecret: second });
    expect(replaced.status).toBe(200);
    expect((await sendLinear(payload())).status).toBe(401);
    expect((await sendLinear(payload(), second)).status).toBe(202);

    // `drydock trackers connect` on this machine writes the same store with the same key.
    const third = `lin-whsec-${randomBytes(12).toString('hex')}`;
    const elsewhere = createTrackerConnections({ store: h.store, box });
    await elsewhere.connect('linear', { webhookSecret: third, check: false }, 'cli');
    expect((await sendLinear(payload(), second)).status).toBe(401);
    expect((await sendLinear(payload(), third)).status).toBe(202);
    expect(await h.store.listSessions()).toEqual([]);
  });

  it('checks the credentials with one call and says so when they are wrong, storing nothing; the answer never quotes them', async () => {
    await start();
    const wrongKey = `lin_api_wrong_${randomBytes(8).toString('hex')}`;
    const refused = await connectLinear({ apiKey: wrongKey });
    expect(refused.status).toBe(400);
    const text = await refused.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'tracker_credentials_rejected' } });
    expect(text).toContain('Linear did not accept these credentials');
    expect(text).not.toContain(wrongKey);
    expect(await h.store.getTrackerConnection('linear')).toBeNull();

    const jiraRefused = await connectJira({ apiToken: 'not-the-token' });
    expect(jiraRefused.status).toBe(400);
    const jiraText = await jiraRefused.text();
    expect(JSON.parse(jiraText)).toMatchObject({ error: { code: 'tracker_credentials_rejected' } });
    expect(jiraText).not.toContain('not-the-token');
    expect(await h.store.getTrackerConnection('jira')).toBeNull();

    // Incomplete, or a field of the other tracker: 400 naming the fields, nothing stored.
    const incomplete = await api('PUT', '/api/trackers/connections/jira', { url: jira.url, check: false });
    expect(incomplete.status).toBe(400);
    expect(await incomplete.json()).toMatchObject({
      error: {
        code: 'incomplete_tracker_connection',
        fields: { email: 'required', apiToken: 'required', webhookSecret: 'required' },
      },
    });
    const foreign = await connectLinear({ apiToken: 'x' });
    expect(await foreign.json()).toMatchObject({ error: { code: 'invalid_tracker_connection' } });
    const badUrl = await connectJira({ url: 'file:///etc/passwd' });
    expect(badUrl.status).toBe(400);
    expect(await h.store.listTrackerConnections()).toEqual([]);

    // Saved unchecked, then a partial change: the secret left out is kept, sealed as it was.
    expect((await connectJira({ apiToken: 'unchecked-token', check: false })).status).toBe(200);
    const sealedBefore = (await h.store.getTrackerConnection('jira'))?.sealed.apiToken;
    const relabelled = await api('PUT', '/api/trackers/connections/jira', { label: 'ai', check: false });
    expect(await relabelled.json()).toMatchObject({
      settings: { url: jira.url, email: JIRA_AUTH.email, label: 'ai' },
      secretsSet: ['apiToken', 'webhookSecret'],
    });
    expect((await h.store.getTrackerConnection('jira'))?.sealed.apiToken).toBe(sealedBefore);
  });

  it('GET never answers secret material; members and viewers get 403 on all three; the audit log has names, not values', async () => {
    await start();
    expect((await connectLinear()).status).toBe(200);
    expect((await connectJira()).status).toBe(200);
    const listed = await api('GET', '/api/trackers/connections');
    const text = await listed.text();
    expectNoTrackerSecret(text);
    // Not even a prefix.
    for (const secret of TRACKER_SECRETS) expect(text).not.toContain(secret.slice(0, 12));
    expect(JSON.parse(text)).toMatchObject({
      connections: [
        { tracker: 'linear', source: 'stored', secretsSet: ['apiKey', 'webhookSecret'] },
        {
          tracker: 'jira',
          source: 'stored',
          settings: { url: jira.url, email: JIRA_AUTH.email, label: 'drydock' },
          secretsSet: ['apiToken', 'webhookSecret'],
        },
      ],
    });
    expectNoTrackerSecret(await (await api('GET', '/api/trackers', undefined, 'member')).text());

    for (const role of ['member', 'viewer'] as const) {
      expect((await api('GET', '/api/trackers/connections', undefined, role)).status).toBe(403);
      const put = await api(
        'PUT',
        '/api/trackers/connections/linear',
        { apiKey: 'lin_api_mallory', webhookSecret: 'mallory', apiUrl: 'http://127.0.0.1:9/graphql' },
        role,
      );
      expect(put.status).toBe(403);
      expect((await api('DELETE', '/api/trackers/connections/linear', undefined, role)).status).toBe(403);
    }
    const row = await h.store.getTrackerConnection('linear');
    expect(row && box.open(row.sealed.apiKey ?? '')).toBe(LINEAR_KEY);

    expect((await api('DELETE', '/api/trackers/connections/linear')).status).toBe(204);
    expect((await api('DELETE', '/api/trackers/connections/linear')).status).toBe(404);
    const after = await sendLinear({
      ...fixture('linear/issue-assigned.json'),
      webhookTimestamp: Date.now(),
    });
    expect(after.status).toBe(503);

    const audit = (await h.store.listAudit({ limit: 100 })).filter((entry) =>
      entry.action.startsWith('tracker.'),
    );
    expect(audit.map((entry) => `${entry.action} ${entry.target} ${entry.outcome}`).reverse()).toEqual([
      'tracker.connected linear ok',
      'tracker.connected jira ok',
      // Refused before the route ran: recorded under the route's own name.
      'tracker.connection.changed linear refused',
      'tracker.connection.removed linear refused',
      'tracker.connection.changed linear refused',
      'tracker.connection.removed linear refused',
      'tracker.disconnected linear ok',
      'tracker.disconnected linear refused',
    ]);
    expect(audit.at(-1)?.details).toMatchObject({
      fields: ['apiKey', 'webhookSecret', 'apiUrl'],
      checked: true,
    });
    expectNoTrackerSecret(JSON.stringify(audit));
    expect(JSON.stringify(audit)).not.toContain('lin_api_mallory');
  });

  it('the environment wins: GET says so, PUT and DELETE are 409, its webhooks keep working', async () => {
    await start({
      trackers: {
        answerWithinMs: 60_000,
        linear: {
          tracker: createLinearTracker({ apiKey: LINEAR_KEY, apiUrl: linear.url }),
          webhookSecret: LINEAR_SECRET,
          handle: 'drydock',
          settings: { apiUrl: linear.url },
        },
      },
    });
    const listed = await (await api('GET', '/api/trackers/connections')).json();
    expect(listed).toMatchObject({
      connections: [
        { tracker: 'linear', source: 'env', settings: { handle: 'drydock', apiUrl: linear.url } },
        { tracker: 'jira', source: null, secretsSet: [] },
      ],
    });
    const put = await connectLinear({ handle: 'other' });
    expect(put.status).toBe(409);
    expect(await put.json()).toMatchObject({
      error: { code: 'tracker_configured_by_env', message: expect.stringContaining('DRYDOCK_LINEAR_*') },
    });
    expect((await api('DELETE', '/api/trackers/connections/linear')).status).toBe(409);
    expect(await h.store.getTrackerConnection('linear')).toBeNull();
    const unmapped = await sendLinear({
      ...fixture('linear/issue-assigned.json'),
      webhookTimestamp: Date.now(),
    });
    expect(unmapped.status).toBe(202);
  });
});
