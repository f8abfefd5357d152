import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../src/store/embedded-postgres.ts';
import type { BenchContext, Benchmark, Row } from './benchmark.ts';
import { LOAD_SCRIPT } from './server-load-deps.ts';
import { percentile, summarize } from './stats.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');
const ADMIN = 'dd_bench-workers-admin';
const TERMINAL = ['delivered', 'failed', 'bowed_out', 'cancelled'];
const TASK = 'mean() in src/stats.js returns the wrong value. Fix it so the tests pass.';
const WORKER_COUNTS = [1, 2, 4] as const;
/** Sessions enqueued one at a time while every worker is idle. */
const IDLE_SESSIONS = 5;

interface Proc {
  child: ChildProcess;
  output: string;
}

/**
 * Issue 8: sessions per second with 1, 2 and 4 `drydock worker` processes on one Postgres database,
 * and how long a queued session waits before a worker takes it. Each case gets a fresh database, a
 * control plane (`drydock up --no-worker`) to create sessions through the API, and N workers
 * (`--concurrency 1 --sandbox none`, default --poll-ms 1000). A burst of sessions is created at once.
 */
export const workersBench: Benchmark = {
  id: 'workers',
  title: 'Sessions per second with 1, 2 and 4 worker processes on Postgres',
  baseline: 'one worker process: what adding processes on the same machine buys',
  async run(context) {
    const sessions = context.iterations({ full: 12, quick: 4 });
    const dir = await context.scratch('drydock-bench-workers-');
    const repo = join(dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
    const scriptPath = join(dir, 'script.json');
    await writeFile(scriptPath, JSON.stringify(LOAD_SCRIPT));
    const postgres = await startEmbeddedPostgres();
    context.defer(() => postgres.stop());
    const rows: Row[] = [];
    const notes: string[] = [];
    for (const count of WORKER_COUNTS) {
      if (context.signal.aborted) break;
      const result = await runCase(context, postgres, dir, repo, scriptPath, count, sessions);
      const label = `${count} worker${count === 1 ? '' : 's'}`;
      rows.push({
        label: `${label}: session (create → end)`,
        summary: summarize(result.durations),
        ...(count === 1 ? { baseline: true, short: '1 worker' } : {}),
        note: `${result.perSecond.toFixed(2)} sessions/s`,
      });
      const idleSorted = [...result.idlePickups].sort((a, b) => a - b);
      rows.push({
        label: `${label}: idle pick-up (enqueue → first write)`,
        summary: summarize(result.idlePickups),
        note: `p99 ${Math.round(percentile(idleSorted, 99))} ms`,
        compareWith: [],
      });
      rows.push({
        label: `${label}: burst pick-up (enqueue → first write)`,
        summary: summarize(result.pickups),
        note: `p99 ${Math.round(percentile(result.sortedPickups, 99))} ms`,
        compareWith: [],
      });
      notes.push(
        `${label}: ${sessions} sessions in ${(result.wallMs / 1000).toFixed(1)} s = ${result.perSecond.toFixed(2)} sessions/s; ` +
          `idle pick-up p50 ${Math.round(percentile(idleSorted, 50))} ms, p99 ${Math.round(percentile(idleSorted, 99))} ms; ` +
          `burst pick-up p50 ${Math.round(percentile(result.sortedPickups, 50))} ms, p99 ${Math.round(percentile(result.sortedPickups, 99))} ms; ` +
          `states: ${result.states.join(', ')}.`,
      );
    }
    notes.push(
      `Pick-up is the job row’s created_at (enqueue) to the session’s first event written by a worker (lease, ` +
        `load, first write). Idle: ${IDLE_SESSIONS} sessions enqueued one at a time with every worker idle; an idle ` +
        'worker asks the queue once a second (--poll-ms 1000), so this is about half a second plus the lease. ' +
        'Burst: the sessions above, enqueued at once, so it includes waiting for a free worker. Each session runs the sample repository’s `npm test` twice (gate baseline and ' +
        'verification) in a git worktree: CPU-bound on this 2-core machine, so more processes add little.',
    );
    return { rows, notes };
  },
};

interface CaseResult {
  durations: number[];
  pickups: number[];
  sortedPickups: number[];
  idlePickups: number[];
  wallMs: number;
  perSecond: number;
  states: string[];
}

async function runCase(
  context: BenchContext,
  postgres: EmbeddedPostgresServer,
  dir: string,
  repo: string,
  scriptPath: string,
  workers: number,
  sessions: number,
): Promise<CaseResult> {
  const database = `bench_workers_${workers}`;
  const admin = new pg.Client({ connectionString: postgres.connectionString });
  await admin.connect();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.query(`create database ${database}`);
  await admin.end();
  const url = new URL(postgres.connectionString);
  url.pathname = `/${database}`;
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    DRYDOCK_HOME: join(dir, `home-${workers}`),
    DRYDOCK_DATABASE_URL: url.href,
    DRYDOCK_ADMIN_TOKEN: ADMIN,
  };
  const procs: Proc[] = [];
  const start = (args: string[]): Proc => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = { child, output: '' };
    child.stdout?.on('data', (chunk: Buffer) => (proc.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (proc.output += chunk.toString()));
    procs.push(proc);
    return proc;
  };
  const stopAll = async () => {
    await Promise.all(
      procs.map(async (proc) => {
        if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
        const exited = new Promise((resolve) => proc.child.once('exit', resolve));
        // A drain, so workers release their sessions' workspaces (nothing left mounted); then a kill.
        proc.child.kill('SIGTERM');
        const killer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }),
    );
  };
  context.defer(stopAll);
  const db = new pg.Client({ connectionString: url.href });
  try {
    const control = start(['up', '--no-worker', '--port', '0', '--allow-script-models', '--sandbox', 'none']);
    const base = await waitFor(
      procs,
      'the control plane',
      () => /listening on (\S+)/.exec(control.output)?.[1],
    );
    for (let i = 0; i < workers; i++) start(['worker', '--concurrency', '1', '--sandbox', 'none']);
    for (const proc of procs.slice(1)) {
      await waitFor(procs, 'a worker', () => (proc.output.includes('running up to') ? true : null));
    }
    await db.connect();
    const began = Date.now();
    const create = async () => {
      const response = await fetch(`${base}/api/sessions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ repo, task: TASK, model: `script:${scriptPath}` }),
      });
      if (response.status !== 201)
        throw new Error(`creating a session: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { id: string }).id;
    };
    const ids = await Promise.all(Array.from({ length: sessions }, create));
    await waitFor(
      procs,
      'the sessions to end',
      async () => {
        const { rows } = await db.query<{ n: string }>(
          'select count(*) as n from sessions where id = any($1) and state = any($2)',
          [ids, TERMINAL],
        );
        return Number(rows[0]?.n) === sessions ? true : null;
      },
      120_000,
      50,
    );
    const wallMs = Date.now() - began;
    // Idle pick-up: one session at a time, every worker idle when it is enqueued.
    const idle: string[] = [];
    for (let i = 0; i < IDLE_SESSIONS; i++) {
      const id = await create();
      idle.push(id);
      await waitFor(
        procs,
        'the idle session to end',
        async () => {
          const { rows } = await db.query<{ n: string }>(
            'select count(*) as n from sessions where id = $1 and state = any($2)',
            [id, TERMINAL],
          );
          return Number(rows[0]?.n) === 1 ? true : null;
        },
        60_000,
        50,
      );
    }
    const { rows } = await db.query<{
      created: string;
      ended: string;
      enqueued: string;
      picked: string;
      state: string;
    }>(
      `select s.created_at as created, s.updated_at as ended, j.created_at as enqueued, e.at as picked, s.state
         from sessions s join jobs j on j.key = s.id
         join events e on e.session_id = s.id and e.seq = 2
        where s.id = any($1)`,
      [ids],
    );
    const { rows: idleRows } = await db.query<{ enqueued: string; picked: string }>(
      `select j.created_at as enqueued, e.at as picked from jobs j
         join events e on e.session_id = j.key and e.seq = 2 where j.key = any($1)`,
      [idle],
    );
    const idlePickups = idleRows.map((row) => Date.parse(row.picked) - Date.parse(row.enqueued));
    const durations = rows.map((row) => Date.parse(row.ended) - Date.parse(row.created));
    const pickups = rows.map((row) => Date.parse(row.picked) - Date.parse(row.enqueued));
    return {
      durations,
      pickups,
      sortedPickups: [...pickups].sort((a, b) => a - b),
      idlePickups,
      wallMs,
      perSecond: sessions / (wallMs / 1000),
      states: [...new Set(rows.map((row) => row.state))],
    };
  } finally {
    await db.end().catch(() => {});
    await stopAll();
  }
}

async function waitFor<T>(
  procs: readonly Proc[],
  what: string,
  check: () => T | null | undefined | Promise<T | null | undefined>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}\n${procs.map((p) => p.output.slice(-2000)).join('\n---\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
