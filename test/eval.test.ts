/**
 * `drydock eval` end to end: the built-in task set (generated node:test repositories) through the
 * whole pipeline on real bubblewrap (environment, sandbox, agent, gate, reviewer, delivery into a
 * scratch clone), graded with the hidden tests. The harness's self-checks (oracle: all resolved; null:
 * nothing delivered), a careless change the gate cannot see (a bad delivery, counted as one), and a
 * run killed mid-session that resumes where it stopped.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalInstance } from '../src/core/eval.ts';
import type { Store } from '../src/core/ports/store.ts';
import { unmountStable } from '../src/environments/stable-mount.ts';
import { generateBuiltinTaskSet } from '../src/eval/builtin/builtin-task-set.ts';
import { oracleScript } from '../src/eval/model-scripts.ts';
import { BUILTIN, startEval } from '../src/eval/open-eval.ts';
import { parseResultsDocument } from '../src/eval/results-document.ts';
import { RESULTS_FILE } from '../src/eval/results-files.ts';
import { runEval } from '../src/eval/run-eval.ts';
import { tryGit } from '../src/forge/git.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { bubblewrapSessions } from './support/bubblewrap-sessions.ts';
import { killAll } from './support/processes.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');
const sessions = await bubblewrapSessions('drydock-eval-');
let store: Store;
let deps: SessionDeps;

beforeAll(async () => {
  ({ store, deps } = await sessions.open({ idPrefix: 'ev', scripts: {} }));
});

afterAll(async () => {
  const ids = (await store.listSessions()).map((session) => session.id);
  await sessions.close(ids);
});

async function evaluate(
  dataset: string,
  model: string,
  out: string,
  filter: string | null = null,
  onInstance?: (instance: EvalInstance) => void,
) {
  const opened = await startEval(
    deps,
    {
      dataset,
      model,
      settings: { concurrency: 2, limit: null, filter, hints: false, friendModel: null, reasoning: null },
      outDir: join(sessions.dir, out),
      drydockVersion: 'test',
    },
    sessions.dir,
  );
  return runEval(deps, opened.parts, {
    run: opened.run,
    tasks: opened.tasks,
    concurrency: 2,
    signal: new AbortController().signal,
    handOff: new AbortController().signal,
    ...(onInstance ? { onInstance } : {}),
  });
}

describe('drydock eval through the real pipeline', () => {
  it('oracle: every built-in instance is delivered by its own fix and resolved by its hidden tests', async () => {
    const { run, instances } = await evaluate(BUILTIN, 'oracle', 'oracle');
    expect(run.state).toBe('finished');
    expect(instances).toHaveLength(6);
    for (const instance of instances) {
      expect(instance, instance.instanceId).toMatchObject({ status: 'delivered', resolved: true });
      const grading = instance.grading!;
      expect(grading.error).toBeNull();
      expect(grading.failToPass.total).toBeGreaterThan(0);
      expect(grading.failToPass.passed).toBe(grading.failToPass.total);
      expect(grading.passToPass.passed).toBe(grading.passToPass.total);
      const session = await store.getSession(instance.sessionId!);
      expect(session?.state).toBe('delivered');
    }
    // The store holds what the report says: `drydock up` shows the same run.
    expect((await store.getEvalRun(run.id))?.state).toBe('finished');
    expect((await store.listEvalInstances(run.id)).map((i) => i.resolved)).toEqual(Array(6).fill(true));
  }, 300_000);

  it('null: gives up on every instance, and nothing is delivered', async () => {
    const seen: EvalInstance[] = [];
    const { instances } = await evaluate(BUILTIN, 'null', 'null', null, (instance) => seen.push(instance));
    // Every instance is announced as pending before any starts, so progress counts them all from the start.
    expect(seen.slice(0, 6).map((i) => i.status)).toEqual(Array(6).fill('pending'));
    expect(instances.map((i) => i.status)).toEqual(Array(6).fill('bowed_out'));
    expect(instances.every((i) => i.resolved === false && i.grading === null)).toBe(true);
  }, 300_000);

  it('a careless fix that regresses a hidden PASS_TO_PASS test is counted as a bad delivery', async () => {
    const generated = await generateBuiltinTaskSet(join(sessions.dir, 'careless-set'));
    const careless = generated.carelessPatches['textkit-2'];
    const task = generated.tasks.find((t) => t.instanceId === 'textkit-2')!;
    expect(careless).toBeDefined();
    // A scripted "model" that makes the careless change: it passes the visible tests, so the gate and
    // the reviewer let it through; only the hidden tests can tell.
    const source = join(sessions.dir, 'careless-set', task.repo);
    const script = await oracleScript(careless!, (path) =>
      tryGit(['show', `${task.baseCommit}:${path}`], { cwd: source }),
    );
    const scriptFile = join(sessions.dir, 'careless.json');
    await writeFile(scriptFile, JSON.stringify(script));

    const { instances } = await evaluate(
      generated.tasksFile,
      `script:${scriptFile}`,
      'careless',
      '^textkit-2$',
    );
    expect(instances).toHaveLength(1);
    const [instance] = instances;
    expect(instance).toMatchObject({ status: 'delivered', resolved: false });
    expect(instance!.grading!.error).toBeNull();
    expect(instance!.grading!.failToPass.passed).toBe(instance!.grading!.failToPass.total);
    expect(instance!.grading!.passToPass.passed).toBeLessThan(instance!.grading!.passToPass.total);
    expect(instance!.grading!.notPassing.length).toBeGreaterThan(0);
    for (const name of instance!.grading!.notPassing) expect(task.passToPass).toContain(name);
  }, 300_000);
});

describe('drydock eval (the CLI)', () => {
  const children: ChildProcess[] = [];
  const cliHome = join(sessions.dir, 'cli-home');
  const cliSessions: string[] = [];
  afterAll(async () => {
    await killAll(children);
    // The CLI's sessions keep their workspaces (mounted, with layers) in its own home.
    for (const id of cliSessions) await unmountStable(workspacePathOf(cliHome, id)).catch(() => {});
  });

  function cli(home: string, args: string[]) {
    return spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
      cwd: sessions.dir,
      env: { ...process.env, DRYDOCK_HOME: home },
      encoding: 'utf8',
      timeout: 280_000,
    });
  }

  it('refuses a run without a task set, naming what to give', () => {
    const result = cli(join(sessions.dir, 'cli-home-bad'), ['eval', '--model', 'oracle']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Give a task file (drydock eval tasks.jsonl) or --builtin');
    const resume = cli(join(sessions.dir, 'cli-home-bad'), [
      'eval',
      '--resume',
      join(sessions.dir, 'nowhere'),
    ]);
    expect(resume.status).toBe(2);
    expect(resume.stderr).toContain('holds no evaluation');
  });

  it('resumes a run killed mid-session: finished instances are not run again, the cut session continues', async () => {
    const home = cliHome;
    const out = join(sessions.dir, 'killed');
    await mkdir(home, { recursive: true });
    const args = ['eval', '--builtin', '--model', 'oracle', '--filter', '^(textkit|pager)-', '--out', out];
    const first = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
      cwd: sessions.dir,
      env: { ...process.env, DRYDOCK_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(first);
    let printed = '';
    first.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    // Killed (SIGKILL: no chance to clean up) once one instance finished and the next one's session
    // started, as results.json (written just after the store) shows.
    const started = async () => {
      if (!/✓ textkit-1/.test(printed)) return false;
      const text = await readFile(join(out, RESULTS_FILE), 'utf8').catch(() => null);
      if (text === null) return false;
      const running = parseResultsDocument(text, 'results.json').instances.find(
        (i) => i.instance_id === 'textkit-2',
      );
      return running?.status === 'running' && running.session_id !== null;
    };
    for (;;) {
      if (first.exitCode !== null)
        throw new Error(`drydock eval ended before it could be killed:\n${printed}`);
      if (await started()) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const before = parseResultsDocument(await readFile(join(out, RESULTS_FILE), 'utf8'), 'results.json');
    const sessionOf = (document: typeof before, id: string) =>
      document.instances.find((i) => i.instance_id === id)?.session_id;
    const cut = sessionOf(before, 'textkit-2');
    expect(sessionOf(before, 'textkit-1')).toBeTruthy();
    expect(cut).toBeTruthy();

    const resumed = cli(home, ['eval', '--resume', out]);
    expect(resumed.status, resumed.stdout + resumed.stderr).toBe(0);
    // The finished instance is not run again; the cut one goes on with the session it had.
    expect(resumed.stdout).not.toContain('textkit-1');
    const after = parseResultsDocument(await readFile(join(out, RESULTS_FILE), 'utf8'), 'results.json');
    expect(after.run.state).toBe('finished');
    expect(after.instances.map((i) => [i.instance_id, i.resolved])).toEqual([
      ['textkit-1', true],
      ['textkit-2', true],
      ['pager-1', true],
      ['pager-2', true],
    ]);
    expect(sessionOf(after, 'textkit-1')).toBe(sessionOf(before, 'textkit-1'));
    expect(sessionOf(after, 'textkit-2')).toBe(cut);
    const listed = JSON.parse(cli(home, ['sessions', '--json']).stdout) as Array<{ id: string }>;
    cliSessions.push(...listed.map((session) => session.id));
    expect(listed).toHaveLength(4);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('| Resolved | 4 (100.0%) |');
    const compared = cli(home, ['eval', 'compare', out, join(out, RESULTS_FILE)]);
    expect(compared.status, compared.stderr).toBe(0);
    expect(compared.stdout).toMatch(/resolve rate\s+100\.0%\s+100\.0%\s+\+0\.0 pts/);
    expect(compared.stdout).toContain('4 instances finished in both runs.');
    expect(compared.stdout).toContain('No instance ended differently.');
  }, 600_000);
});
