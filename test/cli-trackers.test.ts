import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataStore } from '../src/cli/cli-context.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { type FakeJira, startFakeJira } from './fakes/fake-jira.ts';
import { type FakeLinear, startFakeLinear } from './fakes/fake-linear.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');
const LINEAR_KEY = `lin_api_${randomBytes(12).toString('hex')}`;
const LINEAR_SECRET = `lin-whsec-${randomBytes(12).toString('hex')}`;
const JIRA_AUTH = { email: 'drydock@example.com', apiToken: `jira-${randomBytes(12).toString('hex')}` };
const JIRA_SECRET = `jira-whsec-${randomBytes(12).toString('hex')}`;

type Result = { code: number | null; stdout: string; stderr: string };

// Async spawn: the fakes and the server in this process must keep answering while the CLI waits.
function drydock(args: string[], env: Record<string, string>, stdin = ''): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('drydock trackers', { timeout: 300_000 }, () => {
  let linear: FakeLinear;
  let jira: FakeJira;
  beforeAll(async () => {
    linear = await startFakeLinear({ apiKey: LINEAR_KEY });
    jira = await startFakeJira(JIRA_AUTH);
  });
  afterAll(async () => {
    await linear?.close();
    await jira?.close();
  });

  it('connects Linear in the local store from stdin (sealed with the home’s key), lists it without secrets, disconnects it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'drydock-trackers-cli-'));
    const env = { HOME: home, DRYDOCK_HOME: join(home, 'data') };
    try {
      // A secret on the command line is not an option at all: ps and shell history would show it.
      const argv = await drydock(['trackers', 'connect', 'linear', '--api-key', LINEAR_KEY], env);
      expect(argv.code).not.toBe(0);
      expect(argv.stderr).toContain("unknown option '--api-key'");

      const wrong = await drydock(
        ['trackers', 'connect', 'linear', '--api-url', linear.url],
        env,
        `lin_api_wrong\n${LINEAR_SECRET}\n`,
      );
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toContain('Linear did not accept these credentials');
      expect(wrong.stderr).not.toContain('lin_api_wrong');

      const connected = await drydock(
        ['trackers', 'connect', 'linear', '--api-url', linear.url, '--handle', 'bot'],
        env,
        `${LINEAR_KEY}\n${LINEAR_SECRET}\n`,
      );
      expect(connected.stderr).toBe('');
      expect(connected.stdout).toContain('Linear connected: stored  handle=bot');
      expect(connected.stdout).toContain('secrets set: apiKey, webhookSecret');

      // A change of a plain setting: empty lines keep both secrets.
      const relabelled = await drydock(['trackers', 'connect', 'linear', '--handle', 'drydock'], env, '\n\n');
      expect(relabelled.stderr).toBe('');
      const listed = await drydock(['trackers', 'connections'], env);
      expect(listed.stdout).toContain('Linear  stored  handle=drydock');
      expect(listed.stdout).toContain('Jira    not connected');
      const json = await drydock(['trackers', 'connections', '--json'], env);
      for (const text of [connected.stdout, listed.stdout, json.stdout]) {
        expect(text).not.toContain(LINEAR_KEY);
        expect(text).not.toContain(LINEAR_SECRET);
      }

      const opened = await openDataStore({ DRYDOCK_HOME: env.DRYDOCK_HOME });
      try {
        const row = await opened.store.getTrackerConnection('linear');
        expect(JSON.stringify(row)).not.toContain(LINEAR_KEY);
        const key = Buffer.from(
          (await readFile(join(env.DRYDOCK_HOME, 'secret.key'), 'utf8')).trim(),
          'base64',
        );
        expect(createSecretBox(key).open(row?.sealed.apiKey ?? '')).toBe(LINEAR_KEY);
        const audited = await opened.store.listAudit({ target: 'linear' });
        expect(audited.map((entry) => entry.action).reverse()).toEqual([
          'tracker.connected',
          'tracker.connected',
        ]);
        expect(JSON.stringify(audited)).not.toContain(LINEAR_SECRET);
      } finally {
        await opened.store.close();
      }

      expect((await drydock(['trackers', 'disconnect', 'linear'], env)).stdout).toContain(
        'Linear disconnected',
      );
      const again = await drydock(['trackers', 'disconnect', 'linear'], env);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain('Linear has no stored connection to remove');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  describe('against a server (DRYDOCK_URL)', () => {
    let h: Harness;
    let server: RunningServer;
    beforeAll(async () => {
      h = await createHarness();
      server = await startTestServer(h, {
        triggers: {
          forge: null,
          githubWebhookSecret: null,
          publicUrl: 'https://drydock.example',
          secrets: createSecretBox(Buffer.alloc(32, 9)),
        },
      });
    });
    afterAll(async () => {
      await server?.close(10_000);
      await h?.close();
    });
    const remote = (args: string[], token: string, stdin = '') =>
      drydock(
        args,
        {
          HOME: h.dir,
          DRYDOCK_HOME: join(h.dir, 'never-used'),
          DRYDOCK_URL: server.url,
          DRYDOCK_TOKEN: token,
        },
        stdin,
      );

    it('connects Jira on the server with an admin token; a member token is refused', async () => {
      const args = ['trackers', 'connect', 'jira', '--url', jira.url, '--email', JIRA_AUTH.email];
      const member = await remote(args, h.tokens.member, `${JIRA_AUTH.apiToken}\n${JIRA_SECRET}\n`);
      expect(member.code).not.toBe(0);
      expect(await h.store.getTrackerConnection('jira')).toBeNull();
      const admin = await remote(args, h.tokens.admin, `${JIRA_AUTH.apiToken}\n${JIRA_SECRET}\n`);
      expect(admin.stderr).toBe('');
      expect(admin.stdout).toContain(`Jira connected: stored  url=${jira.url}`);
      expect(admin.stdout).not.toContain(JIRA_AUTH.apiToken);
      expect((await h.store.getTrackerConnection('jira'))?.updatedBy).toBe('admin token');
      expect(jira.requests).toContain('GET /rest/api/3/myself');
    });
  });
});
