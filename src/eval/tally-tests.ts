import type { EvalGrading, TestTally } from '../core/eval.ts';
import type { CheckOutcome } from '../verify/check-outcome.ts';
import { matchTestId } from '../verify/grade.ts';
import { dedupeTests, type TestStatus } from '../verify/test-results.ts';

/** notPassing holds at most this many names. */
export const MAX_NOT_PASSING = 50;

/**
 * SWE-bench's verdict on the hidden tests' run. Pure. Every test check's results must have been read:
 * a check that timed out or whose results are unknown makes an error grading, never a pass. A name of
 * FAIL_TO_PASS or PASS_TO_PASS is matched to the run's ids with matchTestId (an unknown or ambiguous
 * name is missing), and only `passed` passes: failed, skipped and missing tests are in `notPassing`.
 */
export function tallyTests(
  outcomes: readonly CheckOutcome[],
  failToPass: readonly string[],
  passToPass: readonly string[],
): Omit<EvalGrading, 'durationMs'> {
  const unread = outcomes.flatMap((outcome) => {
    const name = outcome.check.label ?? outcome.check.command;
    if (outcome.timedOut) return [`\`${name}\` timed out after ${Math.round(outcome.durationMs / 1000)} s`];
    if (outcome.tests?.parsed) return [];
    const why = outcome.testsUnreadable ?? 'no test runner output was recognised';
    const tail = outcome.outputTail.trimEnd().split('\n').slice(-10).join('\n');
    return [`the results of \`${name}\` could not be read (${why}); its last lines:\n${tail}`];
  });
  if (unread.length > 0 || outcomes.length === 0) {
    return {
      resolved: false,
      failToPass: { passed: 0, total: failToPass.length },
      passToPass: { passed: 0, total: passToPass.length },
      notPassing: [],
      error: outcomes.length === 0 ? 'No tests ran.' : `The hidden tests ran, but ${unread.join('; ')}`,
    };
  }
  const status = new Map<string, TestStatus>(
    dedupeTests(outcomes.flatMap((outcome) => outcome.tests?.tests ?? [])).map((test) => [
      test.id,
      test.status,
    ]),
  );
  const ids = [...status.keys()];
  const notPassing: string[] = [];
  const tally = (names: readonly string[]): TestTally => {
    let passed = 0;
    for (const name of names) {
      if (status.get(matchTestId(name, ids)) === 'passed') passed += 1;
      else notPassing.push(name);
    }
    return { passed, total: names.length };
  };
  const f2p = tally(failToPass);
  const p2p = tally(passToPass);
  return {
    resolved: f2p.passed === f2p.total && p2p.passed === p2p.total,
    failToPass: f2p,
    passToPass: p2p,
    notPassing: notPassing.slice(0, MAX_NOT_PASSING),
    error: null,
  };
}
