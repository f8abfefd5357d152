import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { killAll } from './support/processes.ts';
import { removeTestDir } from './support/remove-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');
const ADMIN = 'dd_cli-up-admin';

/**
 * `drydock up` on SQLite, as a user starts it: its worker runs in a worker thread built from the
 * CLI's own wiring (src/cli/worker-deps.ts), runs a session to delivered, and SIGINT stops the process.
 */
describe('drydock up (SQLite, worker thread)', { timeout: 120_000 }, () => {
  let dir: string;
  let repo: string;
  let child: ChildProcess;
  let output = '';
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-cli-up-'));
    repo = join(dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
    child = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        BIN,
        'up',
        '--port',
        '0',
        '--sandbox',
        'none',
        '--allow-script-models',
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          DRYDOCK_HOME: join(dir, 'home'),
          DRYDOCK_ADMIN_TOKEN: ADMIN,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    url = await waitFor('the server', async () => /listening on (\S+)/.exec(output)?.[1]);
  });
  afterAll(async () => {
    if (child) await killAll([child]);
    if (dir) await removeTestDir(dir);
  });

  async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>): Promise<T> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const value = await check();
      if (value !== null && value !== undefined && value !== false) return value;
      if (child.exitCode !== null) throw new Error(`drydock up exited waiting for ${what}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it.skipIf(!existsSync(join(import.meta.dirname, '..', 'web', 'dist', 'index.html')))(
    'prints the sign-in link for DRYDOCK_ADMIN_TOKEN, as the README says',
    async () => {
      await waitFor('the sign-in link', async () => output.includes('sign in to the web UI'));
      expect(output).toContain(`sign in to the web UI: ${url}/#token=${ADMIN}\n`);
    },
  );

  it('runs a session to delivered in its worker thread, then stops on SIGINT', async () => {
    expect((await api('POST', '/api/repos', { repo })).status).toBe(201);
    const created = await api('POST', '/api/sessions', { repo, task: DEMO_TASK, model: 'script:demo' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const session = await waitFor('the session to end', async () => {
      const { body } = await api('GET', `/api/sessions/${id}`);
      return ['delivered', 'bowed_out', 'failed', 'cancelled'].includes(body.state as string) ? body : null;
    });
    expect(session.state).toBe('delivered');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopping: no new sessions');
    // Every event the thread recorded is in the store the API reads.
    const store = await openSqliteStore({ path: join(dir, 'home', 'drydock.db') });
    try {
      const types = (await store.listEvents(id)).map((event) => event.data.type);
      expect(types.at(-1)).toBe('state.changed');
      expect(types).toContain('delivery.branch');
    } finally {
      await store.close();
    }
  });
});
