import { dedupeTests, ID_SEPARATOR, type TestCase, type TestRun, type TestStatus } from './test-results.ts';

/** A test's status in one run; `missing` when that run did not report it (it counts as failing). */
export type GradedStatus = TestStatus | 'missing';

export interface GradeInput {
  /** The run on the starting commit. */
  baseline: TestRun;
  /** The run with the change. */
  after: TestRun;
  /**
   * The tests the task says the change must make pass (SWE-bench's FAIL_TO_PASS), as ids or as names a
   * person would write ("TestMean", "test_empty_list"): see `matchTestId`. Default: every test that
   * failed in the baseline.
   */
  failToPass?: readonly string[];
}

export interface Grade {
  /** Every FAIL_TO_PASS test passes and every PASS_TO_PASS test still passes, in two parsed runs. */
  resolved: boolean;
  failToPass: Array<{ id: string; before: GradedStatus; after: GradedStatus }>;
  /** The tests that passed in the baseline, other than FAIL_TO_PASS ones. */
  passToPass: Array<{ id: string; after: GradedStatus }>;
  /** Passed in the baseline and not passing after (failed, skipped or missing). */
  brokeTests: string[];
  /** In the baseline, absent after (a deleted or renamed test, a file that stopped loading). */
  missing: string[];
  /** FAIL_TO_PASS tests that do not pass after. */
  stillFailing: string[];
  /** Reported after and not in the baseline (added, or renamed: a rename is one missing and one new). */
  newTests: TestCase[];
}

/**
 * SWE-bench grading of a change by two runs of the same test command. Pure. A repeated id within a run
 * keeps its worst status, so a duplicate never hides a failure.
 */
export function gradeRun(input: GradeInput): Grade {
  const before = statusById(input.baseline);
  const after = statusById(input.after);
  const statusAfter = (id: string) => statusIn(after, id);

  const baselineIds = [...before.keys()];
  const named = input.failToPass?.map((name) => matchTestId(name, [...baselineIds, ...after.keys()]));
  const failIds = unique(named ?? baselineIds.filter((id) => before.get(id) === 'failed'));
  const failToPass = failIds.map((id) => ({ id, before: statusIn(before, id), after: statusIn(after, id) }));
  const failSet = new Set(failIds);
  const passToPass = baselineIds
    .filter((id) => before.get(id) === 'passed' && !failSet.has(id))
    .map((id) => ({ id, after: statusAfter(id) }));

  const stillFailing = failToPass.filter((test) => test.after !== 'passed').map((test) => test.id);
  const brokeTests = baselineIds.filter((id) => before.get(id) === 'passed' && statusAfter(id) !== 'passed');
  const parsed = input.baseline.parsed && input.after.parsed;
  return {
    resolved: parsed && stillFailing.length === 0 && passToPass.every((test) => test.after === 'passed'),
    failToPass,
    passToPass,
    brokeTests,
    missing: baselineIds.filter((id) => !after.has(id)),
    stillFailing,
    newTests: dedupeTests(input.after.tests).filter((test) => !before.has(test.id)),
  };
}

/**
 * The change made things worse: fewer tests pass, or a test that passed no longer does (failed,
 * skipped or gone). An unparsed run after a parsed baseline is worse; two unparsed runs are not.
 */
export function isWorse(baseline: TestRun, after: TestRun): boolean {
  if (baseline.parsed && !after.parsed) return true;
  const before = statusById(baseline);
  const now = statusById(after);
  const passing = (runs: Map<string, TestStatus>) => [...runs.values()].filter((s) => s === 'passed').length;
  if (passing(now) < passing(before)) return true;
  return [...before].some(([id, status]) => status === 'passed' && now.get(id) !== 'passed');
}

/**
 * The id a task's test name refers to: the id itself, else the one id that ends with it after a
 * separator (" > ", "::", "/", "."), so "TestMean" finds "example.com/x > TestMean" and
 * "test_empty_list" finds "tests/test_x.py::TestX::test_empty_list". An unknown or ambiguous name is
 * returned as is, and so grades as missing: the gate never guesses between two tests.
 */
export function matchTestId(name: string, ids: readonly string[]): string {
  if (ids.includes(name)) return name;
  const separators = [ID_SEPARATOR, '::', '/', '.', ' '];
  const candidates = unique(ids.filter((id) => separators.some((sep) => id.endsWith(`${sep}${name}`))));
  return candidates.length === 1 && candidates[0] !== undefined ? candidates[0] : name;
}

function statusById(run: TestRun): Map<string, TestStatus> {
  return new Map(dedupeTests(run.tests).map((test) => [test.id, test.status]));
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function statusIn(run: Map<string, TestStatus>, id: string): GradedStatus {
  return run.get(id) ?? 'missing';
}
