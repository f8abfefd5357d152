/**
 * Grading an eval instance for real (git, bubblewrap, overlayfs where it mounts, node:test and mocha
 * from the npm registry through drydock's egress proxy): the hidden tests (a test_patch) are applied
 * to a delivered commit in a fresh sandbox and run with the runner's structured reporter. A fix
 * resolves; a change that breaks a PASS_TO_PASS test does not, naming it; a test_patch that does not
 * apply and output that cannot be read are error gradings; a delivered tree that makes the test
 * directory a symlink to a host directory gets nothing written there.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalGrading } from '../src/core/eval.ts';
import type { Store } from '../src/core/ports/store.ts';
import { type GradeInstanceInput, gradeInstance } from '../src/eval/grade-instance.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { bubblewrapSessions } from './support/bubblewrap-sessions.ts';

const sessionsHome = await bubblewrapSessions('drydock-eval-grade-');
const { dir, mode } = sessionsHome;
const MOCHA_FIXTURE = join(import.meta.dirname, 'fixtures', 'runners', 'mocha');

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.org', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

type Runner = 'node-test' | 'mocha';

const STATS = `// mean() starts its loop at 1, so it drops the first number: the instance's bug.
function mean(numbers) {
  let sum = 0;
  for (let i = 1; i < numbers.length; i++) {
    sum += numbers[i];
  }
  return sum / numbers.length;
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

module.exports = { mean, median };
`;

const header = (runner: Runner, what: string) =>
  [
    "const assert = require('node:assert/strict');",
    ...(runner === 'node-test' ? ["const { describe, it } = require('node:test');"] : []),
    `const { ${what} } = require('../src/stats');`,
    '',
  ].join('\n');

const MEDIAN_TESTS = `describe('median', () => {
  it('of an odd count', () => {
    assert.equal(median([3, 1, 2]), 2);
  });

  it('of an even count', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});
`;

// The hidden tests: a new file (one FAIL_TO_PASS, one PASS_TO_PASS) and one more median test.
const MEAN_TESTS = `describe('mean', () => {
  it('of several numbers', () => {
    assert.equal(mean([2, 4, 6]), 4);
  });

  it('of an empty list is NaN', () => {
    assert.ok(Number.isNaN(mean([])));
  });
});
`;
const MEDIAN_TWO = `
describe('median of two', () => {
  it('is their mean', () => {
    assert.equal(median([3, 1]), 2);
  });
});
`;

// As the dataset would name them: node:test ids join suites and tests with " > ", mocha's full titles with a space.
const FAIL_TO_PASS = ['mean > of several numbers'];
const PASS_TO_PASS = [
  'mean > of an empty list is NaN',
  'median > of an odd count',
  'median > of an even count',
  'median of two > is their mean',
];
const named = (runner: Runner, names: readonly string[]) =>
  runner === 'mocha' ? names.map((name) => name.replace(' > ', ' ')) : [...names];

interface Instance {
  runner: Runner;
  repo: string;
  baseCommit: string;
  testPatch: string;
  /** Commits as a session would deliver them, on branches of the scratch repository. */
  deliver(branch: string, change: (repo: string) => Promise<void>): Promise<string>;
}

/** A repository at its base commit, and the hidden tests as SWE-bench ships them: a diff. */
async function instance(runner: Runner, name: string): Promise<Instance> {
  const repo = join(dir, 'repos', name);
  await mkdir(join(repo, 'test'), { recursive: true });
  await mkdir(join(repo, 'src'), { recursive: true });
  if (runner === 'mocha') {
    for (const file of ['package.json', 'package-lock.json', '.gitignore']) {
      await cp(join(MOCHA_FIXTURE, file), join(repo, file));
    }
    const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(repo, 'package.json'), JSON.stringify({ ...pkg, scripts: { test: 'mocha' } }));
  } else {
    await writeFile(
      join(repo, 'package.json'),
      JSON.stringify({ name: 'stats', version: '1.0.0', private: true, scripts: { test: 'node --test' } }),
    );
  }
  await writeFile(join(repo, 'src', 'stats.js'), STATS);
  await writeFile(join(repo, 'test', 'median.test.js'), header(runner, 'median') + MEDIAN_TESTS);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'stats');
  const baseCommit = git(repo, 'rev-parse', 'HEAD');

  git(repo, 'checkout', '-q', '-b', 'hidden');
  await writeFile(join(repo, 'test', 'mean.test.js'), header(runner, 'mean') + MEAN_TESTS);
  await writeFile(join(repo, 'test', 'median.test.js'), header(runner, 'median') + MEDIAN_TESTS + MEDIAN_TWO);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'hidden tests');
  const testPatch = `${git(repo, 'diff', baseCommit, 'hidden')}\n`;
  // The hidden tests are nowhere in the repository: grading has only the patch.
  git(repo, 'checkout', '-q', 'main');
  git(repo, 'branch', '-q', '-D', 'hidden');

  return {
    runner,
    repo,
    baseCommit,
    testPatch,
    async deliver(branch, change) {
      git(repo, 'checkout', '-q', '-b', branch, baseCommit);
      await change(repo);
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', branch);
      const commit = git(repo, 'rev-parse', 'HEAD');
      git(repo, 'checkout', '-q', 'main');
      return commit;
    },
  };
}

const editStats = (from: string, to: string) => async (repo: string) => {
  const path = join(repo, 'src', 'stats.js');
  const text = await readFile(path, 'utf8');
  if (!text.includes(from)) throw new Error(`no ${from} in stats.js`);
  await writeFile(path, text.replace(from, to));
};
const FIX = editStats('let i = 1', 'let i = 0');
// Breaks median of an odd count ([1, 2, 3] → 3); an even count is unchanged.
const BREAK_MEDIAN = editStats('Math.floor(sorted.length / 2)', 'Math.ceil(sorted.length / 2)');

const explain = (grading: EvalGrading) => JSON.stringify(grading, null, 1);

describe('gradeInstance', () => {
  let deps: SessionDeps;
  let store: Store;

  beforeAll(async () => {
    ({ deps, store } = await sessionsHome.open({ idPrefix: 'g', scripts: {} }));
  });

  afterAll(async () => {
    await sessionsHome.close([]);
  });

  const input = (at: Instance, commit: string, more: Partial<GradeInstanceInput> = {}) => ({
    repo: at.repo,
    baseCommit: at.baseCommit,
    commit,
    testPatch: at.testPatch,
    failToPass: named(at.runner, FAIL_TO_PASS),
    passToPass: named(at.runner, PASS_TO_PASS),
    ...more,
  });
  const grade = (request: GradeInstanceInput, with_: SessionDeps = deps) =>
    gradeInstance(with_, request, new AbortController().signal);

  it.each(['node-test', 'mocha'] as const)(
    '%s: a fix resolves; breaking a PASS_TO_PASS test does not, and names it',
    async (runner) => {
      const at = await instance(runner, runner);
      const fixed = await at.deliver('fix', FIX);
      const broken = await at.deliver('break', async (repo) => {
        await FIX(repo);
        await BREAK_MEDIAN(repo);
      });

      const good = await grade(input(at, fixed));
      expect(good, explain(good)).toMatchObject({
        resolved: true,
        failToPass: { passed: 1, total: 1 },
        passToPass: { passed: 4, total: 4 },
        notPassing: [],
        error: null,
      });
      expect(good.durationMs).toBeGreaterThan(0);

      const bad = await grade(input(at, broken));
      expect(bad, explain(bad)).toMatchObject({
        resolved: false,
        failToPass: { passed: 1, total: 1 },
        passToPass: { passed: 3, total: 4 },
        notPassing: named(runner, ['median > of an odd count']),
        error: null,
      });

      // The base commit itself: the FAIL_TO_PASS test fails, so the hidden tests do test the bug.
      const unfixed = await grade(input(at, at.baseCommit));
      expect(unfixed, explain(unfixed)).toMatchObject({
        resolved: false,
        failToPass: { passed: 0, total: 1 },
        notPassing: named(runner, FAIL_TO_PASS),
        error: null,
      });

      // With layers, all three ran on one environment image of the base commit (mocha's npm ci ran once).
      if (mode === 'overlay' && runner === 'mocha') {
        expect(await store.listEnvironments(at.repo)).toEqual([
          expect.objectContaining({ commit: at.baseCommit }),
        ]);
      }
    },
    300_000,
  );

  it('on a plain clone (no layers), and with the dataset setup and test_command', async () => {
    const at = await instance('node-test', 'node-test-clone');
    const fixed = await at.deliver('fix', FIX);
    const plain: SessionDeps = { ...deps, layers: undefined };
    const good = await grade(input(at, fixed), plain);
    expect(good, explain(good)).toMatchObject({ resolved: true, passToPass: { passed: 4, total: 4 } });

    // The dataset's setup runs (it writes a file the test command needs), and its test command is read.
    const withSetup = await grade(
      input(at, fixed, {
        setup: ['echo ready > setup-ran.txt'],
        testCommand: 'test -f setup-ran.txt && node --test --test-reporter=tap',
      }),
    );
    expect(withSetup, explain(withSetup)).toMatchObject({
      resolved: true,
      failToPass: { passed: 1, total: 1 },
      passToPass: { passed: 4, total: 4 },
    });
    const setupMissing = await grade(
      input(at, fixed, { testCommand: 'test -f setup-ran.txt && node --test --test-reporter=tap' }),
    );
    expect(setupMissing.resolved).toBe(false);
  }, 300_000);

  it('a test_patch that does not apply, or output that cannot be read, is an error grading', async () => {
    const at = await instance('node-test', 'node-test-errors');
    const fixed = await at.deliver('fix', FIX);
    const drifted = at.testPatch.replace('2]), 2.5);', '2]), 3.5);');
    expect(drifted).not.toBe(at.testPatch);
    const notApplied = await grade(input(at, fixed, { testPatch: drifted }));
    expect(notApplied.resolved).toBe(false);
    expect(notApplied.error).toMatch(/test_patch does not apply to test\/median\.test\.js: hunk 1 of 1/);

    const unreadable = await grade(input(at, fixed, { testCommand: 'echo "all tests fine, trust me"' }));
    expect(unreadable.resolved).toBe(false);
    expect(unreadable.error).toMatch(/could not be read[\s\S]*trust me/);
    expect(unreadable.failToPass).toEqual({ passed: 0, total: 1 });
  }, 300_000);

  it('a delivered tree that makes the test directory a symlink to a host directory gets nothing written there', async () => {
    const at = await instance('node-test', 'node-test-symlink');
    const hostDir = join(dir, 'host-directory');
    await mkdir(hostDir);
    const attack = await at.deliver('attack', async (repo) => {
      await FIX(repo);
      await rm(join(repo, 'test'), { recursive: true });
      execFileSync('ln', ['-s', hostDir, join(repo, 'test')]);
    });
    expect(git(at.repo, 'ls-tree', attack, 'test')).toMatch(/^120000 /);
    const grading = await grade(input(at, attack));
    expect(grading.resolved).toBe(false);
    expect(grading.error).toMatch(/test is a symbolic link in the delivered tree/);
    expect(await readdir(hostDir)).toEqual([]);
    // Nor on a plain clone, whose workspace is a directory on the host.
    const plain = await grade(input(at, attack), { ...deps, layers: undefined });
    expect(plain.error).toMatch(/symbolic link/);
    expect(await readdir(hostDir)).toEqual([]);

    // The test file itself a symlink to a host file the patch would change.
    const hostFile = join(dir, 'host-file.js');
    const original = await readFile(join(at.repo, 'test', 'median.test.js'), 'utf8');
    await writeFile(hostFile, original);
    const fileAttack = await at.deliver('file-attack', async (repo) => {
      await FIX(repo);
      await rm(join(repo, 'test', 'median.test.js'));
      execFileSync('ln', ['-s', hostFile, join(repo, 'test', 'median.test.js')]);
    });
    for (const withDeps of [deps, { ...deps, layers: undefined }]) {
      const graded = await grade(input(at, fileAttack), withDeps);
      expect(graded.error).toMatch(
        /test_patch does not apply to test\/median\.test\.js: it is a symbolic link/,
      );
      expect(await readFile(hostFile, 'utf8')).toBe(original);
    }
  }, 300_000);

  it.runIf(mode !== 'overlay')('runs on clones here: overlayfs does not mount', () => {
    expect(deps.layers).toBeUndefined();
  });
});
