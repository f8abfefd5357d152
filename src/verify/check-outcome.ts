import type { Check } from './checks.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { TestRun } from './test-results.ts';

/** A check's result as the gate keeps it (JSON, durable in the session's checkpoint). */
export interface CheckOutcome {
  check: Check;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** The last lines of the output. */
  outputTail: string;
  /** Parsed test results, for test checks whose output a parser recognised. */
  tests: TestRun | null;
  /**
   * Why a test check's per-test results are unknown, when drydock asked its runner for a report and
   * did not get one it could read ("the jest report /tmp/… was not written"). Absent otherwise.
   */
  testsUnreadable?: string;
  /** Diagnostics found in the output of typecheck and lint checks (null for tests or when none parsed). */
  diagnostics: Diagnostic[] | null;
}

export function checkPassed(outcome: CheckOutcome): boolean {
  return outcome.exitCode === 0 && !outcome.timedOut;
}
