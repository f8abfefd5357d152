import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { SessionEvent } from '../src/core/events.ts';
import { readOwner } from '../src/environments/workspace-owner.ts';
import { parseResultsDocument } from '../src/eval/results-document.ts';
import { readMounts } from '../src/sandbox/mount-table.ts';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../src/store/embedded-postgres.ts';
import { killableScript } from './support/killable-script.ts';
import { killAll } from './support/processes.ts';
import { removeTestDir } from './support/remove-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');
const ADMIN = 'dd_scale-out-admin';

const SCRIPT = killableScript('echo after >> steps.log');

interface Proc {
  child: ChildProcess;
  output: string;
}

/**
 * Scale-out on Postgres with separate processes: a control plane (`drydock up --no-worker`) and two
 * `drydock worker`s. The worker running a session is killed with SIGKILL mid-step; the other takes the
 * session over when the lease expires and resumes it from its checkpoint.
 */
describe('scale-out: control plane and two workers on Postgres', { timeout: 120_000 }, () => {
  let postgres: EmbeddedPostgresServer;
  let dir: string;
  let repo: string;
  let scriptPath: string;
  /** Where every process here reads script: files from. */
  let scripts: string[] = [];
  const procs: Proc[] = [];
  let url: string;
  let workers: Proc[];
  const workerArgs = [
    'worker',
    '--concurrency',
    '1',
    '--sandbox',
    'none',
    '--lease-ms',
    '2000',
    '--poll-ms',
    '100',
    '--drain-seconds',
    '1',
  ];

  beforeAll(async () => {
    postgres = await startEmbeddedPostgres();
    dir = await mkdtemp(join(tmpdir(), 'drydock-scale-out-'));
    repo = join(dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
    // A server reads script: files only from its scripts directory.
    await mkdir(join(dir, 'scripts'));
    scriptPath = join(dir, 'scripts', 'script.json');
    await writeFile(scriptPath, JSON.stringify(SCRIPT));
    const t0 = Date.now();
    scripts = ['--script-models-dir', join(dir, 'scripts')];
    const control = start([
      'up',
      '--no-worker',
      '--port',
      '0',
      '--allow-script-models',
      '--sandbox',
      'none',
      ...scripts,
    ]);
    url = await waitFor('the control plane', async () => /listening on (\S+)/.exec(control.output)?.[1]);
    // Sessions run only on registered repositories.
    const registered = await fetch(`${url}/api/repos`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ repo }),
    });
    expect(registered.status).toBe(201);
    workers = [start([...workerArgs, ...scripts]), start([...workerArgs, ...scripts])];
    for (const worker of workers)
      await waitFor('a worker', async () => worker.output.includes('running up to'));
    console.log(`scale-out: control plane and two workers up in ${Date.now() - t0} ms`);
  });

  afterAll(async () => {
    await killAll(procs.map((proc) => proc.child));
    await postgres?.stop();
    if (dir) await removeTestDir(dir);
  });

  const env = () => ({
    PATH: process.env.PATH ?? '',
    HOME: dir,
    DRYDOCK_HOME: join(dir, 'home'),
    DRYDOCK_DATABASE_URL: postgres.connectionString,
    DRYDOCK_ADMIN_TOKEN: ADMIN,
  });
  const start = (args: string[]): Proc => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = { child, output: '' };
    child.stdout?.on('data', (chunk: Buffer) => (proc.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (proc.output += chunk.toString()));
    procs.push(proc);
    return proc;
  };
  const waitFor = async <T>(what: string, check: () => Promise<T | null | undefined>, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== null && value !== undefined && value !== false) return value;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}\n${procs.map((p) => p.output).join('\n---\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

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
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const createSession = async () => {
    const created = await api('POST', '/api/sessions', {
      repo,
      task: 'mean() in src/stats.js returns the wrong value. Fix it so the tests pass.',
      model: 'script:script.json',
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  const eventsOf = async (id: string) =>
    (await api('GET', `/api/sessions/${id}/events`)).body.events as SessionEvent[];
  const waitForSlowStep = (id: string) =>
    waitFor('the slow step', async () =>
      (await eventsOf(id)).some(
        (e) => e.data.type === 'tool.call' && JSON.stringify(e.data.input).includes('sleep 3'),
      ),
    );
  const waitForEnd = (id: string) =>
    waitFor('the session to end', async () => {
      const { body } = await api('GET', `/api/sessions/${id}`);
      return ['delivered', 'failed', 'bowed_out', 'cancelled'].includes(body.state as string) ? body : null;
    });
  /** The session's job once its worker acked it: the ack follows the final state (the run closes its workspace first). */
  const finishedJobOf = (id: string) =>
    waitFor('the job to be acked', async () => {
      const job = await jobOf(id);
      return job?.state === 'leased' ? null : job;
    });
  /** Mount points of layered workspaces whose owner stamp names `pid`. */
  const mountsOwnedBy = async (pid: number) => {
    const overlays = `${join(dir, 'home', 'overlays')}/`;
    const points = (await readMounts())
      .map((entry) => entry.mountPoint)
      .filter((p) => p.startsWith(overlays));
    const owned: string[] = [];
    for (const point of points) {
      const owner = await readOwner(dirname(point));
      if (owner?.pid === pid) owned.push(point);
    }
    return owned;
  };
  const jobOf = async (id: string) => {
    const db = new pg.Client({ connectionString: postgres.connectionString });
    await db.connect();
    try {
      const { rows } = await db.query<{ state: string; attempts: number; leased_by: string | null }>(
        'select state, attempts, leased_by from jobs where key = $1',
        [id],
      );
      return rows[0];
    } finally {
      await db.end();
    }
  };
  const holderOf = async (id: string) => {
    const holder = (await jobOf(id))?.leased_by;
    const proc = workers.find((w) => holder?.includes(`:${w.child.pid}:`));
    if (!proc) throw new Error(`no worker process holds session ${id} (leased by ${holder})`);
    return proc;
  };
  /** The log is gap-free and in order, every tool call ran once, and exactly one branch was delivered. */
  const expectDeliveredOnce = async (id: string, branch: string) => {
    const log = await eventsOf(id);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    // Scripted tool call ids repeat across roles.
    const calls = new Map<string, { calls: number; results: number }>();
    for (const { data } of log) {
      if (data.type !== 'tool.call' && data.type !== 'tool.result') continue;
      const key = `${data.role ?? 'coder'} ${data.toolCallId}`;
      const count = calls.get(key) ?? { calls: 0, results: 0 };
      if (data.type === 'tool.call') count.calls += 1;
      else count.results += 1;
      calls.set(key, count);
    }
    expect(calls.size).toBe(7);
    for (const [call, count] of calls) expect({ call, ...count }).toEqual({ call, calls: 1, results: 1 });
    expect(log.filter((e) => e.data.type === 'delivery.branch')).toHaveLength(1);
    const branches = spawnSync('git', ['branch', '--list', 'drydock/*', '--format=%(refname:short)'], {
      cwd: repo,
      encoding: 'utf8',
    })
      .stdout.trim()
      .split('\n');
    expect(branches).toContain(branch);
    expect(new Set(branches).size).toBe(branches.length);
    // Each step's effect is in the branch once.
    const steps = spawnSync('git', ['show', `${branch}:steps.log`], { cwd: repo, encoding: 'utf8' }).stdout;
    expect(steps).toBe('once\nafter\n');
  };

  it('drydock eval --workers: the instances are sessions the workers run; the control plane shows the run', async () => {
    const out = join(dir, 'eval-out');
    const evaluation = start([
      'eval',
      '--builtin',
      '--model',
      'oracle',
      '--filter',
      '^textkit-',
      '--workers',
      '--concurrency',
      '2',
      '--out',
      out,
      ...scripts,
    ]);
    const code = await new Promise((resolve) => evaluation.child.once('exit', resolve));
    expect(code, evaluation.output).toBe(0);
    const results = parseResultsDocument(await readFile(join(out, 'results.json'), 'utf8'), 'results.json');
    expect(
      results.instances.map((i) => [i.instance_id, i.status, i.resolved]),
      JSON.stringify(results.instances),
    ).toEqual([
      ['textkit-1', 'delivered', true],
      ['textkit-2', 'delivered', true],
    ]);
    for (const instance of results.instances) {
      // Only workers lease jobs: a leased and acked job is a session a worker ran.
      const job = await finishedJobOf(instance.session_id!);
      expect(job).toMatchObject({ state: 'done' });
      expect(job!.attempts).toBeGreaterThanOrEqual(1);
    }
    const listed = (await api('GET', '/api/evals')).body.runs as Array<{
      run: { id: string; state: string };
      summary: { resolved: number };
    }>;
    expect(listed.find((entry) => entry.run.id === results.run.id)).toMatchObject({
      run: { state: 'finished' },
      summary: { resolved: 2 },
    });
  }, 240_000);

  it('resumes a session on the other worker when the one running it is killed; nothing runs twice', async () => {
    const id = await createSession();
    await waitForSlowStep(id);
    const victim = await holderOf(id);
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const session = await waitForEnd(id);
    expect(session.state).toBe('delivered');
    console.log(
      `scale-out: killed worker's session delivered by the other ${Date.now() - killedAt} ms later (lease 2 s, then the 3 s step again)`,
    );
    // The survivor took the expired lease: two leases.
    expect(await finishedJobOf(id)).toMatchObject({ state: 'done', attempts: 2 });
    await expectDeliveredOnce(id, session.branch as string);
    workers = workers.filter((w) => w !== victim);
  });

  it('a session goes on while the control plane is killed and restarted', async () => {
    const id = await createSession();
    await waitForSlowStep(id);
    const control = procs[0]!;
    control.child.kill('SIGKILL');
    const restarted = start([
      'up',
      '--no-worker',
      '--port',
      '0',
      '--allow-script-models',
      '--sandbox',
      'none',
      ...scripts,
    ]);
    url = await waitFor(
      'the restarted control plane',
      async () => /listening on (\S+)/.exec(restarted.output)?.[1],
    );
    const session = await waitForEnd(id);
    expect(session.state).toBe('delivered');
    expect(await finishedJobOf(id)).toMatchObject({ state: 'done', attempts: 1 });
    await expectDeliveredOnce(id, session.branch as string);
  });

  it('cancels a session running in a worker process through the control plane', async () => {
    const id = await createSession();
    await waitForSlowStep(id);
    const started = Date.now();
    const cancelled = await api('POST', `/api/sessions/${id}/cancel`);
    expect(cancelled.status).toBe(202);
    const session = await waitForEnd(id);
    expect(session.state).toBe('cancelled');
    // The worker looks once a second and the abort stops the running `sleep 3`.
    expect(Date.now() - started).toBeLessThan(2_500);
    expect((await eventsOf(id)).some((e) => e.data.type === 'cancel.requested')).toBe(true);
    expect(await finishedJobOf(id)).toMatchObject({ state: 'done', attempts: 1 });
  });

  it('SIGTERM with a drain shorter than the step in flight: the session is handed back as it is and resumed by another without waiting for the lease', async () => {
    const third = start([...workerArgs, ...scripts]);
    workers.push(third);
    await waitFor('a third worker', async () => third.output.includes('running up to'));
    const id = await createSession();
    await waitForSlowStep(id);
    const holder = await holderOf(id);
    holder.child.kill('SIGTERM');
    const code = await new Promise((resolve) => holder.child.once('exit', (exitCode) => resolve(exitCode)));
    expect(code).toBe(0);
    expect(holder.output).toContain(`handed back to the queue: ${id}`);
    // It stopped that step's command and released the workspace before exiting: nothing of it stays mounted.
    expect(await mountsOwnedBy(holder.child.pid!)).toEqual([]);
    const session = await waitForEnd(id);
    expect(session.state).toBe('delivered');
    // Released, not expired: the hand-off did not count as an attempt.
    expect(await finishedJobOf(id)).toMatchObject({ state: 'done', attempts: 1 });
    await expectDeliveredOnce(id, session.branch as string);
  });
  it('SIGTERM hands a session off between steps: the step in flight finishes, another worker resumes from there', async () => {
    // Fresh workers with a drain long enough for the 3 s step; the idle ones stop.
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
    const patient = workerArgs.map((arg, i) => (workerArgs[i - 1] === '--drain-seconds' ? '60' : arg));
    workers = [start([...patient, ...scripts]), start([...patient, ...scripts])];
    for (const worker of workers)
      await waitFor('a patient worker', async () => worker.output.includes('running up to'));
    const id = await createSession();
    await waitForSlowStep(id);
    const holder = await holderOf(id);
    holder.child.kill('SIGTERM');
    const code = await new Promise((resolve) => holder.child.once('exit', (exitCode) => resolve(exitCode)));
    expect(code).toBe(0);
    expect(holder.output).toContain(`stopped between steps (ended or handed off): ${id}`);
    expect(holder.output).not.toContain('handed back to the queue');
    const session = await waitForEnd(id);
    expect(session.state).toBe('delivered');
    const log = await eventsOf(id);
    const handedOff = log.findIndex((e) => e.data.type === 'session.handed_off');
    expect(handedOff).toBeGreaterThan(0);
    // The slow step's result was recorded before the hand-off, by the stopping worker.
    const slowResult = log.findIndex(
      (e, i) =>
        e.data.type === 'tool.result' &&
        log.some(
          (c, j) =>
            j < i &&
            c.data.type === 'tool.call' &&
            e.data.type === 'tool.result' &&
            c.data.toolCallId === e.data.toolCallId &&
            JSON.stringify(c.data.input).includes('sleep 3'),
        ),
    );
    expect(slowResult).toBeGreaterThan(0);
    expect(slowResult).toBeLessThan(handedOff);
    expect(await finishedJobOf(id)).toMatchObject({ state: 'done', attempts: 1 });
    await expectDeliveredOnce(id, session.branch as string);
    workers = workers.filter((w) => w !== holder);
  });

  it("streams a session run by a worker through the control plane's SSE, live (LISTEN/NOTIFY)", async () => {
    const id = await createSession();
    const response = await fetch(`${url}/api/sessions/${id}/events`, {
      headers: { Authorization: `Bearer ${ADMIN}`, Accept: 'text/event-stream' },
    });
    expect(response.status).toBe(200);
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
    if (!reader) throw new Error('no stream');
    const received: Array<{ event: SessionEvent; at: number }> = [];
    let buffer = '';
    const terminal = ['delivered', 'failed', 'bowed_out', 'cancelled'];
    const ended = () =>
      received.some(({ event }) => event.data.type === 'state.changed' && terminal.includes(event.data.to));
    const deadline = Date.now() + 60_000;
    while (!ended() && Date.now() < deadline) {
      const chunk = await reader.read();
      if (chunk.done) break;
      const now = Date.now();
      buffer += chunk.value;
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop() ?? '';
      for (const block of blocks) {
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (data) received.push({ event: JSON.parse(data) as SessionEvent, at: now });
      }
    }
    await reader.cancel();
    expect(ended()).toBe(true);
    // In order, each once, and the same as the log.
    const seqs = received.map(({ event }) => event.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(seqs).toEqual((await eventsOf(id)).map((e) => e.seq));
    // Record to SSE receipt, for events recorded after the stream was open (the worker stamps `at`
    // just before its transaction commits; same machine, same clock). The store poller is off on
    // Postgres, so these come through LISTEN/NOTIFY.
    const openedAt = received[0]?.at ?? 0;
    const latencies = received
      .filter(({ event }) => Date.parse(event.at) > openedAt)
      .map(({ event, at }) => at - Date.parse(event.at))
      .sort((a, b) => a - b);
    expect(latencies.length).toBeGreaterThan(5);
    const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    console.log(
      `scale-out: worker record → control-plane SSE latency over ${latencies.length} live events: p50 ${pick(0.5)} ms, p99 ${pick(0.99)} ms, max ${latencies.at(-1)} ms`,
    );
    expect(pick(0.5)).toBeLessThan(500);
  });
});
