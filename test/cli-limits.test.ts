import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataStore } from '../src/cli/cli-context.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { localOperator } from '../src/sessions/local-operator.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');

type Result = { code: number | null; stdout: string; stderr: string };

// Async spawn: a server in this process must keep answering while the CLI waits.
function drydock(args: string[], env: Record<string, string>): Promise<Result> {
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
  });
}

// Eleven process starts: seconds each on a loaded machine.
describe('drydock limits', { timeout: 300_000 }, () => {
  it('sets, lists and removes limits in the local store, with the environment’s own listed first', async () => {
    const home = await mkdtemp(join(tmpdir(), 'drydock-limits-cli-'));
    const env = { HOME: home, DRYDOCK_HOME: join(home, 'data'), DRYDOCK_SPEND_LIMIT_DAILY_USD: '25' };
    try {
      const set = await drydock(['limits', 'set', 'repo:acme/app', 'month', '$40'], env);
      expect(set.stderr).toBe('');
      expect(set.stdout).toMatch(
        /^set repo:acme\/app {2}month {2}\$0\.00 of \$40\.00 {2}resets \d{4}-\d\d-01 00:00 UTC/,
      );
      const listed = await drydock(['limits', 'list'], env);
      const lines = listed.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /^global {2}day {4}\$0\.00 of \$25\.00 {2}resets .* UTC {2}\(DRYDOCK_SPEND_LIMIT_\*\)/,
      );
      expect(lines[1]).toContain('monthly spend limit for repo acme/app');
      const json = JSON.parse((await drydock(['limits', 'list', '--json'], env)).stdout) as unknown[];
      expect(json).toHaveLength(2);
      expect((await drydock(['limits', 'rm', 'repo:acme/app', 'month'], env)).stdout).toBe(
        'removed the monthly spend limit for repo:acme/app\n',
      );
      const again = await drydock(['limits', 'rm', 'repo:acme/app', 'month'], env);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain('No month spend limit for repo:acme/app');
      const bad = await drydock(['limits', 'set', 'global', 'week', '5'], env);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('period is day or month');
      const badEnv = await drydock(['limits', 'list'], { ...env, DRYDOCK_SPEND_LIMIT_MONTHLY_USD: 'lots' });
      expect(badEnv.code).not.toBe(0);
      expect(badEnv.stderr).toContain(
        'DRYDOCK_SPEND_LIMIT_MONTHLY_USD must be an amount in USD greater than 0',
      );
      // A change made on this machine is in the audit log as the API's would be, by the OS user.
      const opened = await openDataStore({ DRYDOCK_HOME: env.DRYDOCK_HOME });
      try {
        const audited = await opened.store.listAudit({ target: 'repo:acme/app/month' });
        expect(audited.map((entry) => [entry.action, entry.actor.id]).reverse()).toEqual([
          ['limit.changed', localOperator().id],
          ['limit.removed', localOperator().id],
        ]);
      } finally {
        await opened.store.close();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  describe('against a server (DRYDOCK_URL)', () => {
    let h: Harness;
    let server: RunningServer;
    beforeAll(async () => {
      h = await createHarness();
      await h.register();
      server = await startTestServer(h, {});
    });
    afterAll(async () => {
      await server?.close(10_000);
      await h?.close();
    });
    const remote = (args: string[], token: string) =>
      drydock(args, {
        HOME: h.dir,
        DRYDOCK_HOME: join(h.dir, 'never-used'),
        DRYDOCK_URL: server.url,
        DRYDOCK_TOKEN: token,
      });

    it('changes the server’s limits with an admin token, and says why a run is refused under a spent one', async () => {
      expect((await remote(['limits', 'set', 'global', 'day', '0.01'], h.tokens.member)).code).not.toBe(0);
      const set = await remote(['limits', 'set', 'global', 'day', '0.01'], h.tokens.admin);
      expect(set.stderr).toBe('');
      expect(await h.store.listSpendLimits()).toEqual([
        { scope: 'global', period: 'day', amountUsd: 0.01, source: 'store' },
      ]);
      const reservation = await h.store.reserveSpend({ sessionId: 'x', repo: h.repo, estimateUsd: 0.01 });
      if (reservation.ok) await h.store.settleSpend(reservation.id, 0.01);
      expect((await remote(['limits', 'list'], h.tokens.admin)).stdout).toContain('$0.01 of $0.01');
      const run = await remote(
        ['run', 'fix mean()', '--repo', h.repo, '--model', 'script:demo'],
        h.tokens.member,
      );
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('daily spend limit reached: $0.01 of $0.01; resets');
      expect((await remote(['limits', 'rm', 'global', 'day'], h.tokens.admin)).code).toBe(0);
      expect(await h.store.listSpendLimits()).toEqual([]);
    });
  });
});
