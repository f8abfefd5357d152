import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git } from '../../forge/git.ts';
import { FIXED_COMMIT_ENV } from '../dataset-config.ts';
import type { EvalTask } from '../task-formats.ts';
import { readTaskSet } from '../task-set.ts';
import type { InstanceSpec, RepoSpec, TestCaseSpec, TestFileSpec } from './builtin-instances.ts';

/** The test runners a generated repository can use: node:test needs nothing installed, mocha the registry. */
export type TaskRunner = 'node-test' | 'mocha';

export interface GeneratedTaskSet {
  /** `<dir>/tasks.jsonl`, SWE-bench format; its repos are `./repos/<name>`, relative to it. */
  tasksFile: string;
  tasks: EvalTask[];
  /** For instances that have one: a diff that makes FAIL_TO_PASS pass and breaks a hidden PASS_TO_PASS test. */
  carelessPatches: Record<string, string>;
}

const MOCHA_LOCK = join(import.meta.dirname, 'fixtures', 'mocha', 'package-lock.json');
const MOCHA_VERSION = '12.0.3';

/**
 * Commits carry a fixed author, committer and date, and git reads no user or system config, so the
 * same specs give the same base commits on every machine.
 */
const FIXED_GIT_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  ...FIXED_COMMIT_ENV,
};

const run = (cwd: string, args: string[]) => git(args, { cwd, env: FIXED_GIT_ENV });

/** The id a runner's report gives a case (as drydock's parsers read it; mocha's is resolved by matchTestId). */
export function testName(test: TestCaseSpec, runner: TaskRunner): string {
  return runner === 'node-test' ? `${test.suite} > ${test.name}` : `${test.suite} ${test.name}`;
}

/** A test file for `runner`: `describe` per suite, `it` per case, in the order given. Pure. */
export function renderTestFile(spec: TestFileSpec, runner: TaskRunner): string {
  const suites = new Map<string, TestCaseSpec[]>();
  for (const test of spec.cases) {
    if (/['\\\n]/.test(test.suite + test.name)) throw new Error(`unquotable test name: ${test.name}`);
    suites.set(test.suite, [...(suites.get(test.suite) ?? []), test]);
  }
  const lines = [
    "import assert from 'node:assert/strict';",
    ...(runner === 'node-test' ? ["import { describe, it } from 'node:test';"] : []),
    spec.imports,
  ];
  for (const [suite, tests] of suites) {
    lines.push('', `describe('${suite}', () => {`);
    tests.forEach((test, index) => {
      if (index > 0) lines.push('');
      lines.push(`  it('${test.name}', async () => {`);
      lines.push(...test.body.split('\n').map((line) => `    ${line}`));
      lines.push('  });');
    });
    lines.push('});');
  }
  return `${lines.join('\n')}\n`;
}

/** A test file with hidden cases merged in: the hidden spec's imports, visible cases first. Pure. */
function mergeTests(visible: TestFileSpec | undefined, hidden: TestFileSpec): TestFileSpec {
  return { imports: hidden.imports, cases: [...(visible?.cases ?? []), ...hidden.cases] };
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

/** The diff from the base commit to the base with `files` written, as `git diff` shows it; the tree is reset. */
async function diffOf(repo: string, files: Record<string, string>): Promise<string> {
  await writeFiles(repo, files);
  await run(repo, ['add', '--all']);
  const diff = await run(repo, ['diff', '--cached', '--no-color', '--no-ext-diff', '--no-renames']);
  await run(repo, ['reset', '--hard', '--quiet', 'HEAD']);
  return diff;
}

async function createRepo(dir: string, spec: RepoSpec, runner: TaskRunner): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const packageJson = {
    name: spec.name,
    private: true,
    type: 'module',
    scripts: { test: runner === 'node-test' ? 'node --test' : 'mocha' },
    ...(runner === 'mocha' ? { devDependencies: { mocha: MOCHA_VERSION } } : {}),
  };
  const tests = Object.fromEntries(
    Object.entries(spec.tests).map(([path, file]) => [path, renderTestFile(file, runner)]),
  );
  await writeFiles(dir, {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'README.md': `# ${spec.name}\n\n${spec.description}\n\nRun the tests with \`npm test\`.\n`,
    '.gitignore': 'node_modules/\n',
    ...spec.files,
    ...tests,
  });
  if (runner === 'mocha') {
    // A lockfile made once (npm install --package-lock-only): the base commit must not move with the registry.
    const lock = await readFile(MOCHA_LOCK, 'utf8');
    const name = (JSON.parse(lock) as { name?: unknown }).name;
    if (name !== spec.name)
      throw new Error(`the mocha lockfile fixture is for ${String(name)}, not ${spec.name}`);
    await writeFile(join(dir, 'package-lock.json'), lock);
  }
  await run(dir, ['init', '--quiet', '--initial-branch=main']);
  await run(dir, ['add', '--all']);
  await run(dir, ['commit', '--quiet', '--no-verify', '-m', `${spec.name}: ${spec.description}`]);
  return (await run(dir, ['rev-parse', 'HEAD'])).trim();
}

/**
 * Writes the repositories of `repos` under `<dir>/repos/<name>` (one commit each: the base commit of
 * their instances) and `<dir>/tasks.jsonl` (SWE-bench format) for `instances`; the task set is read
 * back through readTaskSet, as the runner reads any. Deterministic: the same specs give the same base
 * commits and the same file. Replaces what a previous generation left in `dir`.
 */
export async function generateTaskSet(
  dir: string,
  options: { repos: readonly RepoSpec[]; instances: readonly InstanceSpec[]; runner: TaskRunner },
): Promise<GeneratedTaskSet> {
  const rows: string[] = [];
  const carelessPatches: Record<string, string> = {};
  for (const spec of options.repos) {
    const repoDir = join(dir, 'repos', spec.name);
    const base = await createRepo(repoDir, spec, options.runner);
    const visibleTests = Object.values(spec.tests).flatMap((file) => file.cases);
    for (const instance of options.instances.filter((candidate) => candidate.repo === spec.name)) {
      const hiddenFiles = Object.fromEntries(
        Object.entries(instance.hiddenTests).map(([path, hidden]) => [
          path,
          renderTestFile(mergeTests(spec.tests[path], hidden), options.runner),
        ]),
      );
      const hiddenTests = Object.values(instance.hiddenTests).flatMap((file) => file.cases);
      const failing = new Set(instance.failToPass);
      const unknown = instance.failToPass.filter(
        (name) => !hiddenTests.some((test) => testName(test, 'node-test') === name),
      );
      if (unknown.length > 0)
        throw new Error(`${instance.instanceId}: FAIL_TO_PASS names no hidden test: ${unknown}`);
      const isFailing = (test: TestCaseSpec) => failing.has(testName(test, 'node-test'));
      const failToPass = hiddenTests.filter(isFailing).map((test) => testName(test, options.runner));
      const passToPass = [...visibleTests, ...hiddenTests.filter((test) => !isFailing(test))].map((test) =>
        testName(test, options.runner),
      );
      rows.push(
        JSON.stringify({
          instance_id: instance.instanceId,
          repo: `./repos/${spec.name}`,
          base_commit: base,
          problem_statement: instance.problemStatement,
          patch: await diffOf(repoDir, instance.fix),
          test_patch: await diffOf(repoDir, hiddenFiles),
          // As SWE-bench ships them: strings holding JSON lists.
          FAIL_TO_PASS: JSON.stringify(failToPass),
          PASS_TO_PASS: JSON.stringify(passToPass),
          hints_text: '',
        }),
      );
      if (instance.carelessFix) {
        carelessPatches[instance.instanceId] = await diffOf(repoDir, instance.carelessFix);
      }
    }
  }
  const tasksFile = join(dir, 'tasks.jsonl');
  await writeFile(tasksFile, `${rows.join('\n')}\n`);
  return { tasksFile, tasks: await readTaskSet(tasksFile), carelessPatches };
}
