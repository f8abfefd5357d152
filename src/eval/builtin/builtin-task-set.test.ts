/**
 * The built-in dataset is valid, graded as drydock grades: in a plain clone on the host, the hidden
 * tests (test_patch) fail FAIL_TO_PASS and pass PASS_TO_PASS on the base commit, and with the reference
 * fix (patch) every one of them passes. Per-test results come from the runner's structured report read
 * by drydock's own parser, and names resolve through matchTestId.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchTestId } from '../../verify/grade.ts';
import { parseReport } from '../../verify/parsers/report.ts';
import type { TestStatus } from '../../verify/test-results.ts';
import type { EvalTask } from '../task-formats.ts';
import { type GeneratedTaskSet, generateBuiltinTaskSet, generateMochaTaskSet } from './builtin-task-set.ts';

const run = promisify(execFile);
const git = async (cwd: string, ...args: string[]) =>
  (await run('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd })).stdout.trim();

/** Runs the clone's tests with a structured reporter; the statuses of the tests by the names a task uses. */
type Runner = (clone: string) => Promise<Map<string, TestStatus>>;

const nodeTest: Runner = async (clone) => {
  const report = join(clone, '..', `${Date.now()}-report.xml`);
  await run(process.execPath, ['--test', '--test-reporter=junit', `--test-reporter-destination=${report}`], {
    cwd: clone,
  }).catch(() => null);
  const parsed = parseReport('junit', await readFile(report, 'utf8'), 'node-test', clone);
  return new Map(parsed?.tests.map((test) => [test.id, test.status]));
};

const mocha: Runner = async (clone) => {
  const mochaBin = join(clone, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const { stdout } = await run(process.execPath, [mochaBin, '--reporter', 'json'], { cwd: clone }).catch(
    (error: { stdout: string }) => error,
  );
  const parsed = parseReport('mocha-json', stdout, 'mocha', clone);
  return new Map(parsed?.tests.map((test) => [test.id, test.status]));
};

function statusOf(results: Map<string, TestStatus>, name: string): TestStatus | 'missing' {
  return results.get(matchTestId(name, [...results.keys()])) ?? 'missing';
}

async function apply(clone: string, patch: string): Promise<void> {
  const file = join(clone, '..', `${Date.now()}-${Math.random()}.diff`);
  await writeFile(file, patch);
  await git(clone, 'apply', '--whitespace=nowarn', file);
}

/** Checks an instance of `set` in a fresh clone: the test patch alone, then with `fix`. */
async function grade(
  set: GeneratedTaskSet,
  task: EvalTask,
  runner: Runner,
  fix: string,
  setup?: (clone: string) => Promise<void>,
) {
  const work = await mkdtemp(join(tmpdir(), `drydock-builtin-${task.instanceId}-`));
  try {
    const clone = join(work, 'clone');
    await git(work, 'clone', '--quiet', join(set.tasksFile, '..', task.repo), clone);
    await git(clone, 'checkout', '--quiet', '--detach', task.baseCommit);
    await setup?.(clone);
    const atBase = await runner(clone);
    await apply(clone, task.testPatch);
    const before = await runner(clone);
    await apply(clone, fix);
    const after = await runner(clone);
    const statuses = (results: Map<string, TestStatus>, names: string[]) =>
      names.map((name) => [name, statusOf(results, name)]);
    return {
      visibleAtBase: [...atBase.values()],
      before: { f2p: statuses(before, task.failToPass), p2p: statuses(before, task.passToPass) },
      after: { f2p: statuses(after, task.failToPass), p2p: statuses(after, task.passToPass) },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const passing = (names: string[]) => names.map((name) => [name, 'passed']);

describe('the built-in task set', () => {
  let dir: string;
  let set: GeneratedTaskSet;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-builtin-'));
    set = await generateBuiltinTaskSet(join(dir, 'a'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has six instances over several repositories, and is the same wherever it is generated', async () => {
    expect(set.tasks.map((task) => task.instanceId)).toEqual([
      'textkit-1',
      'textkit-2',
      'pager-1',
      'pager-2',
      'jobs-1',
      'jobs-2',
    ]);
    expect(new Set(set.tasks.map((task) => task.repo)).size).toBe(3);
    const again = await generateBuiltinTaskSet(join(dir, 'b'));
    expect(await readFile(again.tasksFile, 'utf8')).toBe(await readFile(set.tasksFile, 'utf8'));
    expect(set.tasks.every((task) => /^[0-9a-f]{40}$/.test(task.baseCommit))).toBe(true);
  });

  it.each(['textkit-1', 'textkit-2', 'pager-1', 'pager-2', 'jobs-1', 'jobs-2'])(
    '%s: the hidden tests fail FAIL_TO_PASS on the base, and the reference fix resolves it',
    async (id) => {
      const task = set.tasks.find((candidate) => candidate.instanceId === id)!;
      const graded = await grade(set, task, nodeTest, task.patch);
      expect(graded.visibleAtBase.length).toBeGreaterThan(0);
      expect(graded.visibleAtBase.every((status) => status === 'passed')).toBe(true);
      expect(graded.before.f2p.map(([, status]) => status).every((status) => status === 'failed')).toBe(true);
      expect(graded.before.p2p).toEqual(passing(task.passToPass));
      expect(graded.after).toEqual({ f2p: passing(task.failToPass), p2p: passing(task.passToPass) });
    },
  );

  it('textkit-2: the careless fix passes FAIL_TO_PASS and the visible tests, and breaks a hidden PASS_TO_PASS test', async () => {
    const task = set.tasks.find((candidate) => candidate.instanceId === 'textkit-2')!;
    const careless = set.carelessPatches['textkit-2'];
    expect(careless).toBeDefined();
    const graded = await grade(set, task, nodeTest, careless!);
    expect(graded.after.f2p).toEqual(passing(task.failToPass));
    expect(graded.after.p2p).toContainEqual([
      'titleCase > keeps small words lowercase inside a title',
      'failed',
    ]);
    expect(graded.after.p2p).toContainEqual(['titleCase > capitalizes each word', 'passed']);
  });
});

describe('a task set on mocha, from the registry', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-mocha-set-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('installs its runner with npm ci, and its instances grade like the built-in ones', async () => {
    const set = await generateMochaTaskSet(dir);
    const task = set.tasks.find((candidate) => candidate.instanceId === 'textkit-2')!;
    expect(task.failToPass).toEqual(['titleCase capitalizes a small word at the start']);
    const install = async (clone: string) => {
      await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: clone,
        timeout: 240_000,
      });
    };
    const graded = await grade(set, task, mocha, task.patch, install);
    expect(graded.visibleAtBase).toEqual(['passed', 'passed', 'passed']);
    expect(graded.before.f2p).toEqual([[task.failToPass[0], 'failed']]);
    expect(graded.after).toEqual({ f2p: passing(task.failToPass), p2p: passing(task.passToPass) });
    const careless = await grade(set, task, mocha, set.carelessPatches['textkit-2']!, install);
    expect(careless.after.f2p).toEqual(passing(task.failToPass));
    expect(careless.after.p2p).toContainEqual([
      'titleCase keeps small words lowercase inside a title',
      'failed',
    ]);
  }, 600_000);
});
