import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { SessionEvent } from '../src/core/events.ts';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { type S3TestServer, startS3TestServer } from '../src/environments/s3-test-server.ts';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../src/store/embedded-postgres.ts';
import { killableScript } from './support/killable-script.ts';
import { killAll } from './support/processes.ts';
import { removeTestDir } from './support/remove-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');
const ADMIN = 'dd_scale-out-layers-admin';

// After the kill: fails unless the first machine's file reached this workspace.
const SCRIPT = killableScript('grep -q once steps.log && echo after >> steps.log');

const probe = await mkdtemp(join(tmpdir(), 'drydock-probe-'));
const { mode, reason } = await detectWorkspaceMode(await createLayerStore(probe));
await rm(probe, { recursive: true, force: true });

/**
 * Separate processes and separate data directories (machines): a control plane and two workers on
 * Postgres, each with its own DRYDOCK_HOME, sharing an S3 snapshot store (s3rver). The worker running
 * a layered session is killed with SIGKILL mid-step; the other resumes it from the checkpoint's
 * snapshot, whose layers it fetches from the store.
 */
describe.skipIf(mode !== 'overlay')(
  `scale-out across data directories (${reason})`,
  { timeout: 150_000 },
  () => {
    let postgres: EmbeddedPostgresServer;
    let s3: S3TestServer;
    let dir: string;
    let repo: string;
    let scriptPath: string;
    let url: string;
    const procs: Array<{ child: ChildProcess; output: string; home: string }> = [];

    beforeAll(async () => {
      postgres = await startEmbeddedPostgres();
      s3 = await startS3TestServer();
      dir = await mkdtemp(join(tmpdir(), 'drydock-scale-out-layers-'));
      repo = join(dir, 'repo');
      await mkdir(repo);
      await createSampleRepo(repo);
      // A server reads script: files only from its scripts directory: one for every process here.
      await mkdir(join(dir, 'scripts'));
      scriptPath = join(dir, 'scripts', 'script.json');
      await writeFile(scriptPath, JSON.stringify(SCRIPT));
      const scripts = ['--script-models-dir', join(dir, 'scripts')];
      const control = start('control', [
        'up',
        '--no-worker',
        '--port',
        '0',
        '--allow-script-models',
        ...scripts,
      ]);
      url = await waitFor('the control plane', async () => /listening on (\S+)/.exec(control.output)?.[1]);
      // Sessions run only on registered repositories.
      expect((await api('POST', '/api/repos', { repo })).status).toBe(201);
      for (const name of ['machine-a', 'machine-b']) {
        const worker = start(name, [
          'worker',
          '--concurrency',
          '1',
          '--lease-ms',
          '2000',
          '--poll-ms',
          '100',
          ...scripts,
        ]);
        await waitFor(name, async () => worker.output.includes('running up to'));
      }
    });

    afterAll(async () => {
      await killAll(procs.map((proc) => proc.child));
      // The killed worker's overlay and binds are still mounted: removeTestDir unmounts them.
      if (dir) await removeTestDir(dir);
      await s3?.stop();
      await postgres?.stop();
    });

    function start(name: string, args: string[]) {
      const home = join(dir, name);
      const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          DRYDOCK_HOME: home,
          DRYDOCK_DATABASE_URL: postgres.connectionString,
          DRYDOCK_ADMIN_TOKEN: ADMIN,
          DRYDOCK_WORKSPACES: 'layers',
          DRYDOCK_SNAPSHOT_STORE: `s3://${s3.bucket}/shared?endpoint=${s3.endpoint}&region=us-east-1`,
          AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const proc = { child, output: '', home };
      child.stdout?.on('data', (chunk: Buffer) => (proc.output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (proc.output += chunk.toString()));
      procs.push(proc);
      return proc;
    }
    async function waitFor<T>(what: string, check: () => Promise<T | null | undefined>, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value !== null && value !== undefined && value !== false) return value;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}\n${procs.map((p) => p.output).join('\n---\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${ADMIN}`,
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return response;
    };

    it("resumes a killed worker's layered session on another data directory from the snapshot store", async () => {
      const created = await api('POST', '/api/sessions', {
        repo,
        task: 'mean() in src/stats.js returns the wrong value. Fix it so the tests pass.',
        model: 'script:script.json',
      });
      expect(created.status).toBe(201);
      const id = ((await created.json()) as { id: string }).id;
      const eventsOf = async () =>
        ((await (await api('GET', `/api/sessions/${id}/events`)).json()) as { events: SessionEvent[] })
          .events;
      await waitFor('the slow step', async () =>
        (await eventsOf()).some(
          (e) => e.data.type === 'tool.call' && JSON.stringify(e.data.input).includes('sleep 3'),
        ),
      );
      const db = new pg.Client({ connectionString: postgres.connectionString });
      await db.connect();
      const holder = (
        await db.query<{ leased_by: string }>('select leased_by from jobs where key = $1', [id])
      ).rows[0]?.leased_by;
      await db.end();
      const victim = procs.find((p) => holder?.includes(`:${p.child.pid}:`));
      if (!victim) throw new Error(`no worker holds ${id} (${holder})`);
      victim.child.kill('SIGKILL');

      const session = await waitFor('the session to end', async () => {
        const body = (await (await api('GET', `/api/sessions/${id}`)).json()) as Record<string, unknown>;
        return ['delivered', 'failed', 'bowed_out', 'cancelled'].includes(body.state as string) ? body : null;
      });
      expect({ state: session.state, reason: session.reason }).toEqual({ state: 'delivered', reason: null });
      const events = await eventsOf();
      expect(events.filter((e) => e.data.type === 'tool.result' && e.data.isError)).toEqual([]);
      const show = (path: string) =>
        spawnSync('git', ['show', `${session.branch as string}:${path}`], { cwd: repo, encoding: 'utf8' })
          .stdout;
      expect(show('steps.log')).toBe('once\nafter\n');
      expect(show('src/stats.js')).toContain('let i = 0;');
      // The control plane's own data directory has no layers: its diff route fetches the snapshot's.
      const diff = await (await api('GET', `/api/sessions/${id}/diff`)).text();
      expect(diff).toContain('+  for (let i = 0;');
      expect(diff).toContain('+after');
    });
  },
);
