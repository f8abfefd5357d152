import { describe, expect, it } from 'vitest';
import type { CheckOutcome } from './check-outcome.ts';
import type { Check } from './checks.ts';
import { isAboutFailingTests, selectFailToPass } from './fail-to-pass.ts';
import { decideGate, type GateInput } from './gate.ts';
import { type TestStatus, toTestRun } from './test-results.ts';

const TEST: Check = {
  name: 'test',
  kind: 'test',
  command: 'jest --json',
  source: 'package.json scripts.test',
};
const SCRIPT: Check = { name: 'test-script', kind: 'script', command: 'npm test', source: 'scripts.test' };
const LINT: Check = { name: 'lint', kind: 'lint', command: 'npm run lint', source: 'scripts.lint' };

/** A check's outcome; `tests` as "id:status" ("none" = read, zero tests; undefined = not read). */
function outcome(
  check: Check,
  exitCode: number,
  tests?: string[] | 'none',
  unreadable?: string,
): CheckOutcome {
  const cases =
    tests === 'none'
      ? []
      : tests?.map((entry) => {
          const [id, status] = entry.split(':') as [string, TestStatus];
          return { id, status };
        });
  return {
    check,
    exitCode,
    timedOut: false,
    durationMs: 1,
    outputTail: `exit ${exitCode}`,
    tests: check.kind === 'test' ? toTestRun('jest', cases ?? null) : null,
    diagnostics: null,
    ...(unreadable ? { testsUnreadable: unreadable } : {}),
  };
}

function gate(
  baseline: CheckOutcome[],
  after: CheckOutcome[],
  task = 'make mean correct',
): ReturnType<typeof decideGate> {
  const input: GateInput = {
    task,
    summary: 'Fixed.',
    baseline,
    after,
    signals: [],
    touchedFiles: ['src/stats.js'],
  };
  return decideGate(input);
}

describe('decideGate', () => {
  it('blocks the regression a zero-test baseline once let through, and reports the detection error', () => {
    // `npm test -- --verbose` printed npm's log: "parsed", zero tests, exit 0. Then 12 tests broke.
    const broken = Array.from({ length: 12 }, (_, index) => `t${index}:failed`);
    const verdict = gate([outcome(TEST, 0, 'none')], [outcome(TEST, 1, [...broken, 'ok:passed'])]);
    expect(verdict.passed).toBe(false);
    expect(verdict.problems).toEqual([
      expect.stringContaining('tests fail that were not seen failing on the base commit: t0, t1'),
      'test (jest --json): exited with 1, and it passed on the base commit',
    ]);
    expect(verdict.warnings.join()).not.toContain('still fail');
    expect(verdict.detectionErrors).toEqual([
      expect.stringContaining(
        'per-test results of the base commit could not be read (the jest results list no tests), while the run with the change reported 13 tests',
      ),
    ]);
  });

  it.each<[string, CheckOutcome[], CheckOutcome[], string[]]>([
    [
      'a test that passed before and fails now',
      [outcome(TEST, 1, ['mean:failed', 'median:passed'])],
      [outcome(TEST, 1, ['mean:passed', 'median:failed'])],
      ['test (jest --json): broke tests that passed before: median'],
    ],
    [
      'a new test that fails',
      [outcome(TEST, 1, ['mean:failed'])],
      [outcome(TEST, 1, ['mean:passed', 'mean of one:failed'])],
      ['test (jest --json): tests fail that did not fail on the base commit: mean of one'],
    ],
    [
      'a skipped test that now fails',
      [outcome(TEST, 0, ['mean:passed', 'later:skipped'])],
      [outcome(TEST, 1, ['mean:passed', 'later:failed'])],
      ['test (jest --json): tests fail that did not fail on the base commit: later'],
    ],
    [
      'every test passes but the run fails where it passed (a coverage threshold)',
      [outcome(TEST, 0, ['mean:passed'])],
      [outcome(TEST, 1, ['mean:passed'])],
      ['test (jest --json): exited with 1, and it passed on the base commit'],
    ],
    [
      "the script's lint step fails where it passed",
      [outcome(TEST, 1, ['mean:failed']), outcome(SCRIPT, 1)],
      [outcome(TEST, 0, ['mean:passed']), outcome(SCRIPT, 1)],
      [],
    ],
    [
      'the script passed on the base commit and fails now',
      [outcome(TEST, 0, ['mean:passed']), outcome(SCRIPT, 0)],
      [outcome(TEST, 0, ['mean:passed']), outcome(SCRIPT, 2)],
      ['test-script (npm test): exited with 2, and it passed on the base commit'],
    ],
    [
      'results readable before and not after',
      [outcome(TEST, 1, ['mean:failed', 'median:passed'])],
      [outcome(TEST, 1, undefined, 'the jest report /tmp/r.json was not written')],
      [
        'test (jest --json): per-test results could not be read with the change (the jest report /tmp/r.json was not written), and they could on the base commit',
      ],
    ],
    [
      'a fix: the failing test passes, the others still do',
      [outcome(TEST, 1, ['mean:failed', 'median:passed'])],
      [outcome(TEST, 0, ['mean:passed', 'median:passed'])],
      [],
    ],
    [
      'new diagnostics from lint in a changed file',
      [{ ...outcome(LINT, 0), diagnostics: [] }],
      [
        {
          ...outcome(LINT, 1),
          diagnostics: [{ file: 'src/stats.js', line: 3, severity: 'error', message: 'no-unused-vars' }],
        },
      ],
      ['lint (npm run lint): 1 new diagnostics in changed files: src/stats.js:3 no-unused-vars'],
    ],
    [
      'lint passed and fails now without a diagnostic drydock can read',
      [{ ...outcome(LINT, 0), diagnostics: [] }],
      [{ ...outcome(LINT, 1), diagnostics: [] }],
      ['lint (npm run lint): exited with 1, and it passed on the base commit'],
    ],
  ])('%s', (_name, baseline, after, problems) => {
    expect(gate(baseline, after).problems).toEqual(problems);
  });

  it('a check that did not run on the base commit and fails now blocks', () => {
    const verdict = gate([], [outcome(SCRIPT, 1)]);
    expect(verdict.problems).toEqual([
      'test-script (npm test): exited with 1, and it did not run on the base commit',
    ]);
  });

  it('leaves failures the task does not name to warnings, and names them', () => {
    const verdict = gate(
      [outcome(TEST, 1, ['mean works:failed', 'flaky clock:failed', 'median:passed'])],
      [outcome(TEST, 1, ['mean works:passed', 'flaky clock:failed', 'median:passed'])],
      'fix "mean works"',
    );
    expect(verdict.passed).toBe(true);
    expect(verdict.failToPass).toEqual(['mean works']);
    expect(verdict.warnings).toEqual([
      'test (jest --json): 1 test failing before and still failing (not blamed on this change): flaky clock',
    ]);
  });

  it('a step failing before and after is a warning; the whole script, when the task is about tests, blocks', () => {
    const STEP: Check = {
      name: 'test-step-1',
      kind: 'script',
      command: 'npm run posttest',
      source: 'scripts.test',
    };
    const task = 'the mean test fails';
    const step = gate(
      [outcome(TEST, 1, ['mean:failed']), outcome(STEP, 1)],
      [outcome(TEST, 0, ['mean:passed']), outcome(STEP, 1)],
      task,
    );
    expect(step.problems).toEqual([]);
    expect(step.warnings).toEqual(['test-step-1 (npm run posttest): exited with 1, as on the base commit']);
    // `ava && (cd e2e && ava)`: the failing test hid how e2e did on the base commit.
    const whole = gate(
      [outcome(TEST, 1, ['mean:failed']), outcome(SCRIPT, 1)],
      [outcome(TEST, 0, ['mean:passed']), outcome(SCRIPT, 1)],
      task,
    );
    expect(whole.problems).toEqual([
      'test-script (npm test): exited with 1; the task is about making tests pass',
    ]);
    // A task that only mentions tests is not about making failing ones pass (FAIL_TO_PASS agrees).
    const mentions = gate([outcome(SCRIPT, 1)], [outcome(SCRIPT, 1)], 'add a test for the failover path');
    expect(mentions.problems).toEqual([]);
    expect(mentions.warnings).toEqual(['test-script (npm test): exited with 1, as on the base commit']);
  });

  it.each([
    ['the mean test fails', true],
    ['fix the failing tests in stats', true],
    ['make the tests pass again', true],
    ['the build is broken', true],
    ['add a test for the failover path', false],
    ['write tests for parse()', false],
    ['rename the testing helpers', false],
  ])(
    'counts %j as about failing tests: %s (the gate and FAIL_TO_PASS ask the same question)',
    (task, about) => {
      expect(isAboutFailingTests(task)).toBe(about);
      const baseline = toTestRun('jest', [
        { id: 'a', status: 'failed' },
        { id: 'b', status: 'passed' },
      ]);
      expect(selectFailToPass(task, baseline)).toEqual(about ? ['a'] : []);
    },
  );

  it('judges unreadable results by exit code, reporting the detection error', () => {
    const missing = 'the mocha report /tmp/r.json was not written';
    const fixed = gate([outcome(TEST, 1, undefined, missing)], [outcome(TEST, 0, undefined, missing)]);
    expect(fixed.passed).toBe(true);
    expect(fixed.detectionErrors).toEqual([
      `test (jest --json): per-test results of the base commit could not be read (${missing}); judged by exit code, and every failing test is blamed on the change`,
    ]);
    const broke = gate([outcome(TEST, 0, undefined, missing)], [outcome(TEST, 1, undefined, missing)]);
    expect(broke.problems).toEqual(['test (jest --json): exited with 1, and it passed on the base commit']);
  });

  it('shows the coder the failing tests with their messages', () => {
    const after = outcome(TEST, 1, ['median:failed']);
    after.tests!.tests[0]!.message = 'expected 2 to be 3';
    const verdict = gate([outcome(TEST, 0, ['median:passed'])], [after]);
    expect(verdict.feedback).toContain('### median\n\n```\nexpected 2 to be 3\n```');
  });
});
