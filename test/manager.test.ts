import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { EventData } from '../src/core/events.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Store } from '../src/core/ports/store.ts';
import { isTerminal } from '../src/core/session-state.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { openSessionLayers } from '../src/sessions/session-workspace.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { ADD_SUM, FIX_MEAN, managerDeps, RESOLVED_STATS, scriptFiles } from './support/manager-sessions.ts';
import { killAll } from './support/processes.ts';
import { removeTestDir } from './support/remove-dir.ts';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');

/** Runs the sample's tests at a ref, in a throwaway clone; true when they pass. */
function testsPassAt(repo: string, ref: string): boolean {
  const clone = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
  try {
    git(clone, 'clone', '--quiet', repo, '.');
    git(clone, 'checkout', '--quiet', ref);
    execFileSync(process.execPath, ['--test'], { cwd: clone, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    execFileSync('rm', ['-rf', clone]);
  }
}

async function eventsOf(store: Store, id: string): Promise<EventData[]> {
  return (await store.listEvents(id, 0, 10_000)).map((event) => event.data);
}

describe('a manager and its children (scripted models, real git, SQLite)', { timeout: 120_000 }, () => {
  let dir: string;
  let repo: string;
  let store: Store;
  let deps: SessionDeps;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-manager-'));
    repo = join(dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
    ({ deps, store } = await managerDeps(dir, 'm'));
  });

  afterEach(async () => {
    await store.close();
    await removeTestDir(dir);
  });

  const startManager = (script: string) =>
    createSession(deps, { task: `${FIX_MEAN} ${ADD_SUM}`, repo, model: `script:${script}`, mode: 'manager' });

  it('splits a two-part task between two children and delivers one branch holding both, gated and reviewed as a whole', async () => {
    const base = git(repo, 'rev-parse', 'HEAD');
    const created = await startManager('two-parts');
    expect(created).toMatchObject({ id: 'm1', kind: 'manager' });
    const manager = await runSession(deps, created.id);

    expect(manager.state, manager.reason ?? '').toBe('delivered');
    const children = await store.listSessions({ parentId: 'm1', order: 'oldest' });
    expect(children.map((c) => [c.id, c.kind, c.state, c.branch, c.model])).toEqual([
      ['m2', 'child', 'delivered', null, 'script:child-mean'],
      ['m3', 'child', 'delivered', null, 'script:child-sum'],
    ]);
    expect(children[0]?.task).toBe(FIX_MEAN);
    // One branch in the user's repository, the manager's, holding both parts; the children's stay in drydock.
    expect(git(repo, 'branch', '--format=%(refname:short)').split('\n').sort()).toEqual(
      [manager.branch, 'main'].sort(),
    );
    expect(manager.branch).toMatch(/^drydock\/.*-m1$/);
    expect(git(repo, 'diff', '--name-only', base, manager.branch!).split('\n').sort()).toEqual([
      'src/stats.js',
      'src/sum.js',
      'test/sum.test.js',
    ]);
    expect(testsPassAt(repo, manager.branch!)).toBe(true);

    const events = await eventsOf(store, 'm1');
    const types = events.map((e) => e.type);
    expect(events.filter((e) => e.type === 'child.spawned').map((e) => 'childId' in e && e.childId)).toEqual([
      'm2',
      'm3',
    ]);
    expect(events.filter((e) => e.type === 'child.ended')).toEqual([
      { type: 'child.ended', childId: 'm2', state: 'delivered', reason: null },
      { type: 'child.ended', childId: 'm3', state: 'delivered', reason: null },
    ]);
    expect(events.filter((e) => e.type === 'child.integrated')).toEqual([
      { type: 'child.integrated', childId: 'm2', files: ['src/stats.js'], conflicts: [] },
      { type: 'child.integrated', childId: 'm3', files: ['src/sum.js', 'test/sum.test.js'], conflicts: [] },
    ]);
    // The whole went through the gate and the review after the manager finished, then one delivery.
    const verdict = events.find((e) => e.type === 'gate.verdict');
    expect(verdict).toMatchObject({ passed: true });
    expect(types.indexOf('gate.verdict')).toBeGreaterThan(types.lastIndexOf('child.integrated'));
    expect(events.filter((e) => e.type === 'review.completed')).toMatchObject([{ approved: true }]);
    expect(events.filter((e) => e.type === 'delivery.branch')).toHaveLength(1);
    // The child_result the manager read: the child's diff and its gate's verdict.
    const result = events.find((e) => e.type === 'tool.result' && e.tool === 'child_result');
    expect(result && 'output' in result ? result.output : '').toMatch(
      /m2 delivered[\s\S]*Checks: passed[\s\S]*- {2}for \(let i = 1/,
    );
    // Each child's own gate and review ran on its part.
    for (const child of children) {
      const own = (await eventsOf(store, child.id)).map((e) => e.type);
      expect(own).toContain('gate.verdict');
      expect(own).toContain('review.completed');
      expect(own).not.toContain('delivery.branch');
    }

    // drydock show: the manager's tree, and a child names its manager.
    const show = (id: string) =>
      execFileSync(process.execPath, [BIN, 'show', id], {
        encoding: 'utf8',
        env: { ...process.env, DRYDOCK_HOME: join(dir, 'home'), DRYDOCK_URL: '' },
      });
    const shown = show('m1');
    expect(shown).toMatch(/kind\s+manager/);
    expect(shown).toMatch(
      /children \(2[^\n]*\n\s+m2\s+delivered\s+\$0\.0000\s+Fix mean\(\)[^\n]*\n\s+m3\s+delivered/,
    );
    expect(show('m2')).toMatch(/kind\s+child\nmanager\s+m1/);
  });

  it('integrates children from layered workspaces (overlays and snapshots) the same way', async (context) => {
    const { layers, reason } = await openSessionLayers(join(dir, 'home'), deps.sandboxes);
    if (!layers) return context.skip(`no layered workspaces here: ${reason}`);
    deps = { ...deps, layers };
    const manager = await runSession(deps, (await startManager('two-parts')).id);
    expect(manager.state, manager.reason ?? '').toBe('delivered');
    const events = await eventsOf(store, 'm1');
    expect(
      events.filter((e) => e.type === 'child.integrated').map((e) => 'conflicts' in e && e.conflicts),
    ).toEqual([[], []]);
    expect(git(repo, 'diff', '--name-only', 'main', manager.branch!).split('\n').sort()).toEqual([
      'src/stats.js',
      'src/sum.js',
      'test/sum.test.js',
    ]);
    expect(testsPassAt(repo, manager.branch!)).toBe(true);
  });

  it('leaves conflict markers where two children changed the same lines, and the manager resolves them', async () => {
    const manager = await runSession(deps, (await startManager('conflict')).id);
    expect(manager.state, manager.reason ?? '').toBe('delivered');
    const events = await eventsOf(store, 'm1');
    expect(events.filter((e) => e.type === 'child.integrated')).toEqual([
      { type: 'child.integrated', childId: 'm2', files: ['src/stats.js'], conflicts: [] },
      { type: 'child.integrated', childId: 'm3', files: ['src/stats.js'], conflicts: ['src/stats.js'] },
    ]);
    const told = events.filter((e) => e.type === 'tool.result' && e.tool === 'integrate_child').at(-1);
    expect(told && 'output' in told ? told.output : '').toMatch(
      /Conflicts \(resolve the markers in these files\): src\/stats\.js/,
    );
    expect(git(repo, 'show', `${manager.branch}:src/stats.js`)).toBe(RESOLVED_STATS.trimEnd());
    expect(testsPassAt(repo, manager.branch!)).toBe(true);
  });

  it('sends a child that gave up back with a message, and a spawn past the fan-out limit is refused', async () => {
    deps = { ...deps, maxChildren: 1 };
    const manager = await runSession(deps, (await startManager('retry')).id);

    expect(manager.state, manager.reason ?? '').toBe('delivered');
    const events = await eventsOf(store, 'm1');
    const spawns = events.filter((e) => e.type === 'tool.result' && e.tool === 'spawn_child');
    expect(spawns.map((e) => 'isError' in e && e.isError)).toEqual([false, true]);
    expect(spawns[1] && 'output' in spawns[1] ? spawns[1].output : '').toMatch(
      /No more children: .* 1 of the 1/,
    );
    expect(await store.listSessions({ parentId: 'm1' })).toHaveLength(1);
    // The child bowed out, was told, delivered on its second turn, and its change was taken in.
    expect(events.filter((e) => e.type === 'child.ended').map((e) => 'state' in e && e.state)).toEqual([
      'bowed_out',
      'delivered',
    ]);
    const child = await store.getSession('m2');
    expect(child?.state).toBe('delivered');
    // The message names its sender: the manager.
    expect((await eventsOf(store, 'm2')).find((e) => e.type === 'message.received')).toMatchObject({
      by: 'session:m1',
      byName: 'manager m1',
    });
    expect(git(repo, 'diff', '--name-only', 'main', manager.branch!).split('\n').sort()).toEqual([
      'src/stats.js',
      'src/sum.js',
      'test/sum.test.js',
    ]);
  });

  it('cancelling the manager cancels its children', async () => {
    const created = await startManager('slow');
    const controller = new AbortController();
    const running = runSession(deps, created.id, {
      signal: controller.signal,
      onEvent: (event) => {
        // Cancel once the slow child is inside its slow step.
        if (
          event.sessionId === 'm2' &&
          event.data.type === 'tool.call' &&
          JSON.stringify(event.data.input).includes('sleep')
        ) {
          controller.abort();
        }
      },
    });
    const manager = await running;
    expect(manager.state).toBe('cancelled');
    const children = await store.listSessions({ parentId: created.id, order: 'oldest' });
    expect(children).toHaveLength(2);
    // The slow child was running; the other had delivered or was cancelled too: none is left live.
    expect(children[0]?.state).toBe('cancelled');
    expect(children.every((c) => isTerminal(c.state))).toBe(true);
    expect(git(repo, 'branch', '--format=%(refname:short)')).toBe('main');
  });

  it('resumes the tree after the process running it is killed with SIGKILL, and delivers once', async () => {
    const script = join(import.meta.dirname, 'support', 'manager-process.ts');
    const proc = spawn(process.execPath, [script, dir, repo, 'slow'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Killed while the slow child sleeps (its fix is made, its step in flight) and the manager waits for it.
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`the process ended before it could be killed:\n${output}`);
      if (Date.now() > deadline) throw new Error(`the slow step never came:\n${output}`);
      const calls = (await store.listEvents('m2', 0, 1000).catch(() => [])).map((e) => e.data);
      if (calls.some((e) => e.type === 'tool.call' && JSON.stringify(e.input).includes('sleep'))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    proc.kill('SIGKILL');
    await new Promise((resolve) => proc.once('exit', resolve));
    expect((await store.getSession('m1'))?.state).toBe('working');
    expect((await store.getSession('m2'))?.state).toBe('working');

    // Another run (as a worker taking over the expired lease) resumes the manager, which runs its
    // live child again from the child's checkpoint.
    const { deps: resumed, store: second } = await managerDeps(dir, 'r');
    try {
      const manager = await runSession(resumed, 'm1', { owner: 'after-the-kill' });
      expect(manager.state, manager.reason ?? '').toBe('delivered');
    } finally {
      await second.close();
    }
    const children = await store.listSessions({ parentId: 'm1', order: 'oldest' });
    expect(children.map((c) => c.state)).toEqual(['delivered', 'delivered']);
    // Nothing ran twice: the slow child's first step wrote one line, which its last step reads (and
    // removes, so it is not in the delivery); one commit per child, one delivery of the manager.
    const bashResults = (await eventsOf(store, 'm2')).flatMap((e) =>
      e.type === 'tool.result' && e.tool === 'bash' ? [e.output] : [],
    );
    expect(bashResults.at(-1)?.trim()).toMatch(/^once$/m);
    expect(bashResults.at(-1)?.match(/once/g)).toHaveLength(1);
    for (const id of ['m2', 'm3']) {
      expect((await eventsOf(store, id)).filter((e) => e.type === 'delivery.committed')).toHaveLength(1);
    }
    const events = await eventsOf(store, 'm1');
    expect(events.filter((e) => e.type === 'delivery.branch')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'child.spawned')).toHaveLength(2);
    const manager = await store.getSession('m1');
    expect(git(repo, 'diff', '--name-only', 'main', manager!.branch!).split('\n').sort()).toEqual([
      'src/stats.js',
      'src/sum.js',
      'test/sum.test.js',
    ]);
    expect(
      await readFile(join(dir, 'home', 'sessions', 'm2', 'workspace', 'src', 'stats.js'), 'utf8'),
    ).toContain('let i = 0');
  });
});

/**
 * The same crash through `drydock up` (SQLite, its worker thread): the process is killed with SIGKILL
 * while a child sleeps; a new `drydock up` on the same home enqueues the live manager (never its
 * children: they are not jobs) and the manager runs its child again.
 */
describe('a manager under drydock up, killed with SIGKILL mid-tree', { timeout: 120_000 }, () => {
  let dir: string;
  const procs: ChildProcess[] = [];

  afterEach(async () => {
    await killAll(procs.splice(0));
    await removeTestDir(dir);
  });

  it('resumes the tree in the next drydock up and delivers once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-manager-up-'));
    const repo = join(dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
    const home = join(dir, 'home');
    await mkdir(join(home, 'scripts'), { recursive: true });
    for (const [name, text] of Object.entries(scriptFiles()))
      await writeFile(join(home, 'scripts', name), text);
    const ADMIN = 'dd_manager-up-admin';
    const up = () => {
      const proc = spawn(
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
          env: { PATH: process.env.PATH ?? '', HOME: dir, DRYDOCK_HOME: home, DRYDOCK_ADMIN_TOKEN: ADMIN },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      procs.push(proc);
      const started = { proc, output: '' };
      proc.stdout.on('data', (chunk: Buffer) => (started.output += chunk.toString()));
      proc.stderr.on('data', (chunk: Buffer) => (started.output += chunk.toString()));
      return started;
    };
    const waitFor = async <T>(
      what: string,
      of: { output: string },
      check: () => Promise<T | null | undefined>,
    ) => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const value = await check();
        if (value !== null && value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${of.output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const first = up();
    const url = await waitFor('the server', first, async () => /listening on (\S+)/.exec(first.output)?.[1]);
    const api = async (path: string, body: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await response.json()) as { id: string };
    };
    await api('/api/repos', { repo });
    const { id } = await api('/api/sessions', {
      repo,
      task: `${FIX_MEAN} ${ADD_SUM}`,
      model: 'script:up-slow.json',
      mode: 'manager',
    });
    const watcher = await openSqliteStore({
      path: join(home, 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('w'),
    });
    try {
      const childId = await waitFor('the child in its slow step', first, async () => {
        const [child] = await watcher.listSessions({ parentId: id });
        if (!child) return null;
        const events = await watcher.listEvents(child.id, 0, 1000);
        return events.some(
          (e) => e.data.type === 'tool.call' && JSON.stringify(e.data.input).includes('sleep'),
        )
          ? child.id
          : null;
      });
      first.proc.kill('SIGKILL');
      await new Promise((resolve) => first.proc.once('exit', resolve));
      expect((await watcher.getSession(childId))?.state).toBe('working');

      const second = up();
      const manager = await waitFor('the manager to end', second, async () => {
        const session = await watcher.getSession(id);
        return session && isTerminal(session.state) ? session : null;
      });
      expect(manager.state, `${manager.reason}\n${second.output}`).toBe('delivered');
      const child = await watcher.getSession(childId);
      expect(child).toMatchObject({ state: 'delivered', kind: 'child', parentId: id });
      const childEvents = (await watcher.listEvents(childId, 0, 1000)).map((e) => e.data);
      expect(childEvents.filter((e) => e.type === 'delivery.committed')).toHaveLength(1);
      // Its first step ran once: the line it wrote is there once when its last step reads it.
      const bash = childEvents.flatMap((e) =>
        e.type === 'tool.result' && e.tool === 'bash' ? [e.output] : [],
      );
      expect(bash.at(-1)?.match(/once/g)).toHaveLength(1);
      const events = (await watcher.listEvents(id, 0, 1000)).map((e) => e.data);
      expect(events.filter((e) => e.type === 'child.spawned')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'child.ended')).toMatchObject([{ childId, state: 'delivered' }]);
      expect(events.filter((e) => e.type === 'delivery.branch')).toHaveLength(1);
      expect(git(repo, 'branch', '--format=%(refname:short)').split('\n').sort()).toEqual(
        [manager.branch, 'main'].sort(),
      );
    } finally {
      await watcher.close();
    }
  });
});
