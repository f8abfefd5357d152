import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { EventData } from '../src/core/events.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Session } from '../src/core/session.ts';
import { isTerminal } from '../src/core/session-state.ts';
import type { Script } from '../src/models/script-file.ts';
import { createRandomIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { DELETER, FIXER, judgeScript, REGRESSOR } from './support/attempt-scripts.ts';
import { killableScript } from './support/killable-script.ts';
import { killAll } from './support/processes.ts';
import { removeTestDir } from './support/remove-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');

/** `drydock run --attempts/--models` spawned as a user runs it, and a tree whose process is killed. */
describe('best of N from the CLI', { timeout: 180_000 }, () => {
  let dir: string;
  let scripts: string;
  const procs: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-attempts-cli-'));
    scripts = join(dir, 'scripts');
    await mkdir(scripts);
    const files: Record<string, Script> = {
      'fixer.json': { ...FIXER, ...judgeScript(1, 'Attempt 1.') },
      'regressor.json': REGRESSOR,
      'deleter.json': DELETER,
      // After the kill the attempt appends to steps.log only if the first line is there.
      'slow.json': {
        ...killableScript('grep -q once steps.log && echo after >> steps.log'),
        ...judgeScript(1, 'Both are the same; the first will do.'),
      },
    };
    for (const [name, script] of Object.entries(files))
      await writeFile(join(scripts, name), JSON.stringify(script));
  });
  afterAll(async () => {
    await killAll(procs);
    await removeTestDir(dir);
  });

  const env = (home: string) => ({
    PATH: process.env.PATH ?? '',
    HOME: dir,
    DRYDOCK_HOME: home,
  });
  /** Runs the CLI in the scripts directory, so `script:<file>` names one there. */
  const cli = (home: string, args: string[]) => {
    const result = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
      cwd: scripts,
      encoding: 'utf8',
      env: env(home),
      timeout: 150_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const newRepo = async (name: string) => {
    const repo = join(dir, name);
    await mkdir(repo);
    await createSampleRepo(repo);
    return repo;
  };
  const drydockBranches = (repo: string) =>
    spawnSync('git', ['branch', '--format=%(refname:short)'], { cwd: repo, encoding: 'utf8' })
      .stdout.split('\n')
      .filter((b) => b.startsWith('drydock/'));

  it('--models delivers the fixing attempt (exit 0); show lists the attempts; sessions shows the parent only', async () => {
    const repo = await newRepo('repo-models');
    const home = join(dir, 'home-models');
    const run = cli(home, [
      'run',
      DEMO_TASK,
      '--repo',
      repo,
      '--models',
      'script:regressor.json,script:fixer.json',
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const id =
      /^drydock session (\w+) on .* \(best of 2: script:regressor\.json, script:fixer\.json\)$/m.exec(
        run.stdout,
      )?.[1];
    expect(id).toBeTruthy();
    expect(run.stdout).toMatch(new RegExp(`session ${id}: delivered`));
    expect(drydockBranches(repo)).toHaveLength(1);

    const show = cli(home, ['show', id!]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/attempts +script:regressor\.json, script:fixer\.json/);
    const winner = /^\* (\w+) +script:fixer\.json +candidate/m.exec(show.stdout)?.[1];
    expect(winner).toBeTruthy();
    expect(show.stdout).toMatch(/^ {2}\w+ +script:regressor\.json +bowed out/m);
    expect(show.stdout).toContain(
      `chosen: ${winner} is the only attempt that passed the gate and the review`,
    );
    // The PR description follows, with its attempts section.
    expect(show.stdout).toContain('## Attempts');

    const child = cli(home, ['show', winner!]);
    expect(child.stdout).toContain(
      `parent   ${id} (this session is one of its attempts; drydock show ${id})`,
    );
    const list = cli(home, ['sessions']);
    expect(list.stdout).toContain(`[best of 2]`);
    expect(list.stdout).not.toContain(winner);
  });

  it('--attempts with --models is refused (exit 2); all-bad attempts bow out (exit 3) with one report', async () => {
    const repo = await newRepo('repo-bad');
    const home = join(dir, 'home-bad');
    const both = cli(home, [
      'run',
      DEMO_TASK,
      '--repo',
      repo,
      '--attempts',
      '2',
      '--models',
      'script:fixer.json,script:fixer.json',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give either a number of attempts or a list of models, not both');

    const bad = cli(home, [
      'run',
      DEMO_TASK,
      '--repo',
      repo,
      '--model',
      'script:fixer.json',
      '--models',
      'script:regressor.json,script:deleter.json',
    ]);
    expect(bad.code, bad.stdout + bad.stderr).toBe(3);
    expect(bad.stdout).toContain('none of the 2 attempts passed both the gate and the review');
    expect(bad.stdout).toMatch(/### Attempt 1: `\w+` \(script:regressor\.json\), bowed out/);
    expect(bad.stdout).toMatch(/### Attempt 2: `\w+` \(script:deleter\.json\), bowed out/);
    expect(drydockBranches(repo)).toEqual([]);

    const same = cli(home, [
      'run',
      DEMO_TASK,
      '--repo',
      repo,
      '--model',
      'script:fixer.json',
      '--attempts',
      '2',
    ]);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toContain('(best of 2: script:fixer.json, script:fixer.json)');
    // Two equal fixes: the judge (the session model's judge role) picked attempt 1.
    expect(same.stdout).toMatch(
      /chose \w+: 2 candidates were too close to call on evidence; the judge chose/,
    );
  });

  it('kill -9 of the process running a tree: a new worker resumes the attempts and delivers once', async () => {
    const repo = await newRepo('repo-kill');
    const home = join(dir, 'home-kill');
    const first = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        BIN,
        'run',
        DEMO_TASK,
        '--repo',
        repo,
        '--model',
        'script:slow.json',
        '--attempts',
        '2',
      ],
      { cwd: scripts, env: env(home), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    procs.push(first);
    let printed = '';
    first.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    first.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const store = await openSqliteStore({
      path: join(home, 'drydock.db'),
      clock: systemClock,
      ids: createRandomIds(),
    });
    try {
      const parentId = await waitFor('the parent', first, () => /^drydock session (\w+)/m.exec(printed)?.[1]);
      const eventsOf = async (id: string): Promise<EventData[]> =>
        (await store.listEvents(id)).map((e) => e.data);
      // Both attempts are in their `sleep 3`.
      await waitFor('both attempts mid-step', first, async () => {
        const children = await store.listSessions({ parentId: parentId!, order: 'oldest' });
        if (children.length < 2) return false;
        const sleeping = await Promise.all(
          children.map(async (c) =>
            (await eventsOf(c.id)).some(
              (e) => e.type === 'tool.call' && JSON.stringify(e).includes('sleep 3'),
            ),
          ),
        );
        return sleeping.every(Boolean);
      });
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      expect((await store.getSession(parentId!))?.state).toBe('working');

      // A new worker on the same data: it finds the live parent and resumes the tree.
      const up = spawn(
        process.execPath,
        [
          '--disable-warning=ExperimentalWarning',
          BIN,
          'up',
          '--port',
          '0',
          '--allow-script-models',
          '--script-models-dir',
          scripts,
        ],
        { cwd: scripts, env: env(home), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      procs.push(up);
      let upOutput = '';
      up.stdout?.on('data', (chunk: Buffer) => (upOutput += chunk.toString()));
      up.stderr?.on('data', (chunk: Buffer) => (upOutput += chunk.toString()));
      const parent = await waitFor(
        'the tree to end',
        up,
        async () => {
          const session = await store.getSession(parentId!);
          return session && isTerminal(session.state) ? session : false;
        },
        () => upOutput,
      );
      expect(parent.state, `${parent.reason}\n${upOutput}`).toBe('delivered');
      const children = await store.listSessions({ parentId: parentId!, order: 'oldest' });
      expect(children.map((c: Session) => c.state)).toEqual(['delivered', 'delivered']);
      // One delivery: one branch, and no step ran twice (steps.log has the first step's line once).
      expect(drydockBranches(repo)).toEqual([parent.branch]);
      const steps = spawnSync('git', ['show', `${parent.branch}:steps.log`], { cwd: repo, encoding: 'utf8' });
      expect(steps.stdout).toBe('once\nafter\n');
      const events = await eventsOf(parentId!);
      expect(events.filter((e) => e.type === 'child.spawned')).toHaveLength(2);
      expect(events.filter((e) => e.type === 'attempts.chosen')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'delivery.branch')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

async function waitFor<T>(
  what: string,
  proc: ChildProcess,
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  output: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined && value !== false) return value;
    if (proc.exitCode !== null) throw new Error(`the process exited waiting for ${what}:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
