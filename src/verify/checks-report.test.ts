import { describe, expect, it } from 'vitest';
import type { CheckOutcome } from './check-outcome.ts';
import type { Check } from './checks.ts';
import { checksReport } from './checks-report.ts';
import { type TestCase, toTestRun } from './test-results.ts';

const testCheck: Check = {
  name: 'test',
  kind: 'test',
  command: 'npx vitest run',
  source: 'package.json',
  runner: 'vitest',
};
const lint: Check = { name: 'lint', kind: 'lint', command: 'npm run lint', source: 'package.json' };

function outcome(
  check: Check,
  exitCode: number,
  tests: TestCase[] | null,
  extra: Partial<CheckOutcome> = {},
): CheckOutcome {
  return {
    check,
    exitCode,
    timedOut: false,
    durationMs: 1200,
    outputTail: 'line 1\nline 2\nnpm ERR! failed',
    tests: tests === null ? null : toTestRun('vitest', tests),
    diagnostics: null,
    ...extra,
  };
}

const pass = (id: string): TestCase => ({ id, status: 'passed' });
const fail = (id: string, message?: string): TestCase => ({
  id,
  status: 'failed',
  ...(message ? { message } : {}),
});

describe('checksReport', () => {
  it('sorts failing tests into newly failing and still failing, lists what was fixed and what went missing', () => {
    const baseline = [outcome(testCheck, 1, [pass('a'), fail('b'), fail('c'), pass('gone')])];
    const after = [
      outcome(testCheck, 1, [
        fail('a', '\nAssertionError: expected 1 to be 2\n  at a.test.ts:3\n  at more\n  at even more'),
        pass('b'),
        fail('c', 'still broken'),
        fail('new'),
      ]),
    ];
    const report = checksReport(baseline, after, { problems: ['p'], warnings: ['w'] });
    expect(report).toEqual({
      checks: [
        {
          name: 'test',
          label: 'npx vitest run',
          passed: false,
          exitCode: 1,
          timedOut: false,
          durationMs: 1200,
          tests: { passed: 1, failed: 3, skipped: 0 },
          newlyFailing: [
            { id: 'a', message: 'AssertionError: expected 1 to be 2\n  at a.test.ts:3\n  at more' },
            { id: 'new' },
            { id: 'gone', message: 'missing: it passed on the base commit and did not run now' },
          ],
          stillFailing: [{ id: 'c', message: 'still broken' }],
          fixed: ['b'],
          diagnostics: null,
        },
      ],
      problems: ['p'],
      warnings: ['w'],
    });
  });

  it('gives the output’s last lines for a failing check whose tests say nothing, and counts diagnostics', () => {
    const diagnostic = { file: 'a.ts', line: 1, severity: 'error' as const, message: 'x' };
    const report = checksReport(
      [outcome(testCheck, 0, null), outcome(lint, 0, null, { diagnostics: [] })],
      [outcome(testCheck, 2, null), outcome(lint, 1, null, { diagnostics: [diagnostic, diagnostic] })],
      { problems: [], warnings: [] },
    );
    expect(report.checks[0]).toMatchObject({
      passed: false,
      tests: null,
      outputTail: 'line 1\nline 2\nnpm ERR! failed',
    });
    expect(report.checks[1]).toMatchObject({ diagnostics: { now: 2, before: 0 } });
  });

  it('reports a check the baseline did not run with every failing test as new', () => {
    const report = checksReport([], [outcome(testCheck, 1, [fail('x')])], { problems: [], warnings: [] });
    expect(report.checks[0]?.newlyFailing).toEqual([{ id: 'x' }]);
    expect(report.checks[0]?.outputTail).toBeUndefined();
  });
});
