import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createChildSession } from '../src/sessions/child-session.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');

/** With DRYDOCK_URL set, the CLI talks to a server instead of running embedded. */
describe('drydock CLI against a server (DRYDOCK_URL)', { timeout: 90_000 }, () => {
  let h: Harness;
  let server: RunningServer;
  beforeAll(async () => {
    h = await createHarness();
    await h.register();
    server = await startTestServer(h, { eventPollMs: 50, keepAliveMs: 100 });
  });
  afterAll(async () => {
    await server?.close(10_000);
    await h?.close();
  });

  // Async spawn: the server runs in this process and must keep answering while the CLI waits.
  const cli = (args: string[], token = h.tokens.member) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: h.dir,
          DRYDOCK_HOME: join(h.dir, 'never-used'),
          DRYDOCK_URL: server.url,
          DRYDOCK_TOKEN: token,
        },
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

  it('runs a task on the server and follows it live, then reads it back with sessions, show and logs', async () => {
    const run = await cli(['run', DEMO_TASK, '--repo', h.repo, '--model', 'script:demo']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = /drydock session (\w+) on http/.exec(run.stdout)?.[1];
    expect(id).toBeTruthy();
    expect(run.stdout).toContain('✓ bash npm test → exit code 0');
    expect(run.stdout).toContain('→ delivered');
    expect(run.stdout).toContain('## Verification');

    const sessions = await cli(['sessions', '--json']);
    expect(JSON.parse(sessions.stdout)).toEqual([expect.objectContaining({ id, state: 'delivered' })]);
    const show = await cli(['show', id!]);
    expect(show.stdout).toMatch(/state +delivered/);
    expect(show.stdout).toContain('FAIL_TO_PASS');
    const logs = await cli(['logs', id!, '--json']);
    const events = logs.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((event) => event.seq)).toEqual(events.map((_: unknown, i: number) => i + 1));
    const followed = await cli(['logs', id!, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout.trim().split('\n').at(-1)).toContain('→ delivered');
    // The embedded data directory was never created: everything went through the API.
    expect(
      await import('node:fs/promises').then((fs) => fs.stat(join(h.dir, 'never-used')).catch(() => null)),
    ).toBeNull();
  });

  it("show on a manager lists its children, and on an attempts session its attempts, from the server's tree route", async () => {
    const manager = await createSession(h.deps, {
      task: 'split it',
      repo: h.repo,
      model: 'script:demo',
      mode: 'manager',
    });
    const child = await createChildSession(h.deps, manager, {
      kind: 'child',
      task: 'part one',
      model: 'script:demo',
    });
    const attempts = await createSession(h.deps, {
      task: 'try twice',
      repo: h.repo,
      model: 'script:demo',
      attempts: 2,
    });
    const attempt = await createChildSession(h.deps, attempts, {
      kind: 'attempt',
      task: 'try twice',
      model: 'script:demo',
    });
    // Created in the store and never enqueued: they stay queued, which is all `show` needs.
    const shownManager = await cli(['show', manager.id]);
    expect(shownManager.code).toBe(0);
    expect(shownManager.stdout).toMatch(/children \(1, their cost included above\)/);
    expect(shownManager.stdout).toContain(child.id);
    expect(shownManager.stdout).toContain('part one');
    const shownAttempts = await cli(['show', attempts.id]);
    expect(shownAttempts.code).toBe(0);
    expect(shownAttempts.stdout).toContain(attempt.id);
  });

  it("reports the server's errors with the usual exit codes", async () => {
    const missing = await cli(['show', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope');
    const viewer = await cli(['run', DEMO_TASK, '--repo', h.repo, '--model', 'script:demo'], h.tokens.viewer);
    expect(viewer.code).not.toBe(0);
    expect(viewer.stderr).toMatch(/role|member|forbidden/i);
  });

  it('repo add, list and rm go to the server: admins register, members only list', async () => {
    const other = join(h.dir, 'other');
    await mkdir(other);
    await createSampleRepo(other);
    const refused = await cli(['repo', 'add', other]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/admin role/);
    const added = await cli(['repo', 'add', other], h.tokens.admin);
    expect(added.stderr).toBe('');
    const id = /registered (\w+): /.exec(added.stdout)?.[1];
    expect(id).toBeTruthy();
    const listed = await cli(['repo', 'list', '--json']);
    expect(JSON.parse(listed.stdout).map((repo: { repo: string }) => repo.repo)).toEqual([h.repo, other]);
    const bad = await cli(['repo', 'add', '/proc/self/cwd'], h.tokens.admin);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/system path/);
    expect((await cli(['repo', 'rm', other], h.tokens.admin)).stdout).toContain(`removed ${id}`);
    expect(await h.store.getRepo(id!)).toBeNull();
    // A run on what is no longer registered is refused by the server, and says what to do.
    const run = await cli(['run', DEMO_TASK, '--repo', other, '--model', 'script:demo']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not registered/);
    expect(run.stderr).not.toContain(process.cwd());
  });
});
