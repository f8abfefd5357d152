import { describe, expect, it } from 'vitest';
import { gradeRun, isWorse, matchTestId } from './grade.ts';
import { type TestCase, type TestRun, type TestStatus, toTestRun } from './test-results.ts';

/** A run from "id:status" shorthands, e.g. run('a:passed', 'b:failed'). */
function run(...tests: string[]): TestRun {
  return {
    runner: 'vitest',
    tests: tests.map((test): TestCase => {
      const at = test.lastIndexOf(':');
      return { id: test.slice(0, at), status: test.slice(at + 1) as TestStatus };
    }),
    summary: { passed: 0, failed: 0, skipped: 0 },
    parsed: true,
  };
}

describe('gradeRun', () => {
  it('resolves when the failing test now passes and nothing else broke', () => {
    const grade = gradeRun({ baseline: run('a:passed', 'b:failed'), after: run('a:passed', 'b:passed') });
    expect(grade).toEqual({
      resolved: true,
      failToPass: [{ id: 'b', before: 'failed', after: 'passed' }],
      passToPass: [{ id: 'a', after: 'passed' }],
      brokeTests: [],
      missing: [],
      stillFailing: [],
      newTests: [],
    });
  });

  it.each([
    ['still failing', run('a:passed', 'b:failed'), run('a:passed', 'b:failed'), undefined, false],
    ['fixed one, broke another', run('a:passed', 'b:failed'), run('a:failed', 'b:passed'), undefined, false],
    [
      'a PASS_TO_PASS test skipped after is not passing',
      run('a:passed', 'b:failed'),
      run('a:skipped', 'b:passed'),
      undefined,
      false,
    ],
    [
      'a PASS_TO_PASS test missing after counts as failed',
      run('a:passed', 'b:failed'),
      run('b:passed'),
      undefined,
      false,
    ],
    ['a FAIL_TO_PASS test skipped after is not passing', run('b:failed'), run('b:skipped'), undefined, false],
    [
      'a task-named test the baseline lacks, added and passing',
      run('a:passed'),
      run('a:passed', 'new:passed'),
      ['new'],
      true,
    ],
    ['a task-named test that never appears', run('a:passed'), run('a:passed'), ['new'], false],
    [
      'baseline skipped tests are neither FAIL_TO_PASS nor PASS_TO_PASS',
      run('s:skipped', 'b:failed'),
      run('b:passed'),
      undefined,
      true,
    ],
    [
      'nothing failed and nothing broke: vacuously resolved',
      run('a:passed'),
      run('a:passed'),
      undefined,
      true,
    ],
    ['an unparsed run never resolves', run('a:passed'), { ...run(), parsed: false }, undefined, false],
    [
      'two unparsed runs do not resolve either',
      { ...run(), parsed: false },
      { ...run(), parsed: false },
      undefined,
      false,
    ],
    [
      'only the named tests must pass: other baseline failures may stay failing',
      run('a:passed', 'b:failed', 'c:failed'),
      run('a:passed', 'b:passed', 'c:failed'),
      ['b'],
      true,
    ],
  ])('%s', (_name, baseline, after, failToPass, resolved) => {
    expect(gradeRun({ baseline, after, ...(failToPass ? { failToPass } : {}) }).resolved).toBe(resolved);
  });

  it('sees a renamed test as one missing and one new, and the rename breaks PASS_TO_PASS', () => {
    const grade = gradeRun({
      baseline: run('old name:passed', 'b:failed'),
      after: run('new name:passed', 'b:passed'),
    });
    expect(grade.missing).toEqual(['old name']);
    expect(grade.brokeTests).toEqual(['old name']);
    expect(grade.newTests).toEqual([{ id: 'new name', status: 'passed' }]);
    expect(grade.passToPass).toEqual([{ id: 'old name', after: 'missing' }]);
    expect(grade.resolved).toBe(false);
  });

  it('lets a duplicate id that fails hide nothing: the worst status counts', () => {
    const grade = gradeRun({
      baseline: run('a:passed', 'b:failed'),
      after: run('a:passed', 'a:failed', 'b:passed'),
    });
    expect(grade.passToPass).toEqual([{ id: 'a', after: 'failed' }]);
    expect(grade.brokeTests).toEqual(['a']);
    expect(grade.resolved).toBe(false);
  });

  it('reports FAIL_TO_PASS tests that are missing after, and still failing ones', () => {
    const grade = gradeRun({ baseline: run('b:failed', 'c:failed'), after: run('c:failed') });
    expect(grade.failToPass).toEqual([
      { id: 'b', before: 'failed', after: 'missing' },
      { id: 'c', before: 'failed', after: 'failed' },
    ]);
    expect(grade.stillFailing).toEqual(['b', 'c']);
    expect(grade.missing).toEqual(['b']);
  });

  it('matches task-named tests to ids', () => {
    const baseline = run('example.com/x > TestMean:failed', 'tests/t.py::TestX::test_y:failed');
    const after = run('example.com/x > TestMean:passed', 'tests/t.py::TestX::test_y:passed');
    const grade = gradeRun({ baseline, after, failToPass: ['TestMean', 'test_y'] });
    expect(grade.failToPass.map((test) => test.id)).toEqual([
      'example.com/x > TestMean',
      'tests/t.py::TestX::test_y',
    ]);
    expect(grade.resolved).toBe(true);
  });

  it('works on runs built by toTestRun', () => {
    const baseline = toTestRun('pytest', [{ id: 't::a', status: 'failed' }]);
    const after = toTestRun('pytest', [{ id: 't::a', status: 'passed' }]);
    expect(gradeRun({ baseline, after }).resolved).toBe(true);
  });
});

describe('matchTestId', () => {
  const ids = [
    'pkg > TestMean',
    'pkg > TestMean/empty',
    'a.test.ts > mean > empty',
    'b.test.ts > median > empty',
  ];
  it.each([
    ['an exact id', 'pkg > TestMean', 'pkg > TestMean'],
    ['a go test name', 'TestMean', 'pkg > TestMean'],
    ['a go subtest', 'TestMean/empty', 'pkg > TestMean/empty'],
    ['a suite path', 'mean > empty', 'a.test.ts > mean > empty'],
    ['ambiguous: kept as given', 'empty', 'empty'],
    ['unknown: kept as given', 'nothing', 'nothing'],
    ['no partial-word match', 'Mean', 'Mean'],
  ])('%s', (_name, name, expected) => {
    expect(matchTestId(name, ids)).toBe(expected);
  });
});

describe('isWorse', () => {
  it.each([
    ['same results', run('a:passed', 'b:failed'), run('a:passed', 'b:failed'), false],
    ['fixed a test', run('a:passed', 'b:failed'), run('a:passed', 'b:passed'), false],
    ['added a passing test', run('a:passed'), run('a:passed', 'c:passed'), false],
    ['broke a test', run('a:passed', 'b:failed'), run('a:failed', 'b:failed'), true],
    ['skipped a passing test', run('a:passed'), run('a:skipped'), true],
    ['deleted a passing test', run('a:passed', 'b:passed'), run('a:passed'), true],
    [
      'swapped which test passes: same count, but one broke',
      run('a:passed', 'b:failed'),
      run('a:failed', 'b:passed'),
      true,
    ],
    ['a new failing test alone is not worse', run('a:passed'), run('a:passed', 'c:failed'), false],
    ['output stopped parsing', run('a:passed'), { ...run(), parsed: false }, true],
    ['neither run parsed', { ...run(), parsed: false }, { ...run(), parsed: false }, false],
  ])('%s', (_name, baseline, after, expected) => {
    expect(isWorse(baseline, after)).toBe(expected);
  });
});
