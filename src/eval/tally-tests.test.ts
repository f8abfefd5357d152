import { describe, expect, it } from 'vitest';
import type { CheckOutcome } from '../verify/check-outcome.ts';
import { type TestCase, toTestRun } from '../verify/test-results.ts';
import { MAX_NOT_PASSING, tallyTests } from './tally-tests.ts';

function outcome(tests: TestCase[] | null, more: Partial<CheckOutcome> = {}): CheckOutcome {
  return {
    check: { name: 'test', kind: 'test', command: 'node --test', source: 'test' },
    exitCode: 0,
    timedOut: false,
    durationMs: 1000,
    outputTail: 'last line',
    tests: tests === null ? null : toTestRun('node:test', tests),
    diagnostics: null,
    ...more,
  };
}

const passed = (id: string): TestCase => ({ id, status: 'passed' });
const failed = (id: string): TestCase => ({ id, status: 'failed' });

describe('tallyTests', () => {
  it('resolves when every FAIL_TO_PASS and PASS_TO_PASS test passed, matching names to ids', () => {
    const grading = tallyTests(
      [
        outcome([
          passed('test/mean.test.js > mean > of several numbers'),
          passed('test/median.test.js > median'),
        ]),
      ],
      ['of several numbers'],
      ['test/median.test.js > median'],
    );
    expect(grading).toEqual({
      resolved: true,
      failToPass: { passed: 1, total: 1 },
      passToPass: { passed: 1, total: 1 },
      notPassing: [],
      error: null,
    });
  });

  it('names failed, skipped and missing tests, and a duplicate id keeps its worst status', () => {
    const grading = tallyTests(
      [
        outcome([passed('a > f2p'), { id: 'a > skipped', status: 'skipped' }, passed('a > twice')]),
        outcome([failed('a > twice'), failed('b > broken')]),
      ],
      ['f2p', 'a > gone'],
      ['a > skipped', 'b > broken', 'twice'],
    );
    expect(grading.resolved).toBe(false);
    expect(grading.error).toBeNull();
    expect(grading.failToPass).toEqual({ passed: 1, total: 2 });
    expect(grading.passToPass).toEqual({ passed: 0, total: 3 });
    expect(grading.notPassing).toEqual(['a > gone', 'a > skipped', 'b > broken', 'twice']);
  });

  it('an ambiguous name is missing, never a guess', () => {
    const grading = tallyTests([outcome([passed('a.js > sum'), passed('b.js > sum')])], ['sum'], []);
    expect(grading).toMatchObject({ resolved: false, notPassing: ['sum'] });
  });

  it('unread or timed-out results are an error grading, never passed', () => {
    const unread = tallyTests(
      [
        outcome([passed('a > x')]),
        outcome(null, { testsUnreadable: 'the report was not written', outputTail: 'Segmentation fault' }),
      ],
      ['a > x'],
      [],
    );
    expect(unread.resolved).toBe(false);
    expect(unread.error).toMatch(/could not be read \(the report was not written\)[\s\S]*Segmentation fault/);
    expect(unread.failToPass).toEqual({ passed: 0, total: 1 });

    const unparsed = tallyTests([{ ...outcome([]), tests: toTestRun('unknown', null) }], [], []);
    expect(unparsed).toMatchObject({
      resolved: false,
      error: expect.stringMatching(/no test runner output/),
    });

    const slow = tallyTests(
      [outcome([passed('a > x')], { timedOut: true, durationMs: 900_000 })],
      ['a > x'],
      [],
    );
    expect(slow).toMatchObject({ resolved: false, error: expect.stringMatching(/timed out after 900 s/) });

    expect(tallyTests([], ['x'], [])).toMatchObject({ resolved: false, error: 'No tests ran.' });
  });

  it('caps notPassing', () => {
    const names = Array.from({ length: MAX_NOT_PASSING + 10 }, (_, i) => `t${i}`);
    const grading = tallyTests([outcome([])], names, []);
    expect(grading.notPassing).toHaveLength(MAX_NOT_PASSING);
    expect(grading.failToPass).toEqual({ passed: 0, total: MAX_NOT_PASSING + 10 });
  });
});
