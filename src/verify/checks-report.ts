import type { CheckReport, ChecksReport, FailingTest } from '../core/checks-report.ts';
import type { CheckOutcome } from './check-outcome.ts';
import { checkPassed } from './check-outcome.ts';
import { checkLabel } from './checks.ts';
import type { GateVerdict } from './gate.ts';
import type { TestCase } from './test-results.ts';

const MESSAGE_LINES = 3;
const MESSAGE_CHARS = 300;
const TAIL_LINES = 20;

/**
 * The checks run now, each compared test by test with its baseline run, and the gate's problems and
 * warnings for the workspace as it is: what `run_checks` tells the agent. A test of the baseline that
 * passed there and is missing now counts as newly failing, as the gate counts it. Pure.
 */
export function checksReport(
  baseline: readonly CheckOutcome[],
  after: readonly CheckOutcome[],
  verdict: Pick<GateVerdict, 'problems' | 'warnings'>,
): ChecksReport {
  return {
    checks: after.map((outcome) =>
      compareCheck(
        baseline.find((before) => before.check.name === outcome.check.name),
        outcome,
      ),
    ),
    problems: verdict.problems,
    warnings: verdict.warnings,
  };
}

function compareCheck(before: CheckOutcome | undefined, now: CheckOutcome): CheckReport {
  const passed = checkPassed(now);
  const nowTests = now.tests?.parsed ? now.tests.tests : null;
  const beforeTests = before?.tests?.parsed ? before.tests.tests : null;
  const failedBefore = new Set(failed(beforeTests ?? []).map((test) => test.id));
  const report: CheckReport = {
    name: now.check.name,
    label: checkLabel(now.check),
    passed,
    exitCode: now.exitCode,
    timedOut: now.timedOut,
    durationMs: now.durationMs,
    tests: nowTests && now.tests ? now.tests.summary : null,
    newlyFailing: [],
    stillFailing: [],
    fixed: [],
    diagnostics: now.diagnostics
      ? { now: now.diagnostics.length, before: before?.diagnostics ? before.diagnostics.length : null }
      : null,
  };
  if (nowTests) {
    const failing = failed(nowTests);
    report.newlyFailing = failing.filter((test) => !failedBefore.has(test.id)).map(failingTest);
    report.stillFailing = failing.filter((test) => failedBefore.has(test.id)).map(failingTest);
    const nowIds = new Map(nowTests.map((test) => [test.id, test.status]));
    report.fixed = [...failedBefore].filter((id) => nowIds.get(id) === 'passed');
    // Missing now but passing before: the gate counts it as failed (a deleted or renamed test).
    for (const test of beforeTests ?? []) {
      if (test.status === 'passed' && !nowIds.has(test.id)) {
        report.newlyFailing.push({
          id: test.id,
          message: 'missing: it passed on the base commit and did not run now',
        });
      }
    }
  }
  if (!passed && (nowTests === null || failed(nowTests).length === 0)) {
    report.outputTail = now.outputTail.split('\n').slice(-TAIL_LINES).join('\n');
  }
  return report;
}

function failed(tests: readonly TestCase[]): TestCase[] {
  return tests.filter((test) => test.status === 'failed');
}

/** A failing test with its message's first lines, shortened. */
function failingTest(test: TestCase): FailingTest {
  const message = (test.message ?? '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(0, MESSAGE_LINES)
    .join('\n');
  if (message === '') return { id: test.id };
  return {
    id: test.id,
    message: message.length > MESSAGE_CHARS ? `${message.slice(0, MESSAGE_CHARS)}…` : message,
  };
}
