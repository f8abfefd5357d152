import { plural } from '../core/plural.ts';
import type { CheckOutcome } from './check-outcome.ts';
import { checkPassed } from './check-outcome.ts';
import { checkLabel, WHOLE_TEST_SCRIPT } from './checks.ts';
import { diffDiagnostics } from './diagnostics.ts';
import { isAboutFailingTests, selectFailToPass } from './fail-to-pass.ts';
import { gradeRun } from './grade.ts';
import type { SoftSignal, SoftSignalKind } from './soft-signal.ts';
import type { TestCase, TestRun } from './test-results.ts';

/** Blocking signals no summary explains away: drydock never delivers what they name. */
const UNEXPLAINABLE: ReadonlySet<SoftSignalKind> = new Set(['nested_repository']);

export interface GateInput {
  task: string;
  /** The coder's finish summary: a blocking signal is explained when the summary names its file. */
  summary: string;
  baseline: readonly CheckOutcome[];
  after: readonly CheckOutcome[];
  /** What the soft-signal analysis found in the diff; `blocking` ones stop delivery unless explained. */
  signals: readonly SoftSignal[];
  touchedFiles: readonly string[];
}

export interface GateVerdict {
  passed: boolean;
  /** Why it did not pass, one line each. */
  problems: string[];
  warnings: string[];
  /**
   * Where per-test results could not be read (no report, zero tests where the runner ran some): the
   * check was judged by its exit code instead, and every failing test was blamed on the change.
   */
  detectionErrors: string[];
  failToPass: string[];
  passToPass: number;
  /** What the coder reads when the gate fails: the problems with failing names and output tails. */
  feedback: string;
}

/** One check's part of the verdict. */
interface CheckJudgement {
  problems: string[];
  warnings: string[];
  detectionErrors: string[];
  failToPass: string[];
  passToPass: number;
  /** Failing tests with their messages, for the coder. */
  failures: TestCase[];
}

/**
 * The verification gate, as a pure function: deliver only when the repository's checks show the
 * change works against the baseline (SWE-bench grading where per-test results were read on both
 * sides, exit codes where they were not), no test was deleted, skipped or weakened without
 * explanation, and nothing got worse. Unknown is never "no tests": a check that passed on the base
 * commit and fails now always blocks, and a test that fails now and was not seen failing on the base
 * commit is blamed on the change.
 */
export function decideGate(input: GateInput): GateVerdict {
  const problems: string[] = [];
  const warnings: string[] = [];
  const detectionErrors: string[] = [];
  const details: string[] = [];
  let failToPass: string[] = [];
  let passToPass = 0;

  if (input.after.length === 0)
    warnings.push('no checks found: nothing but the reviewer vouches for this change');
  for (const after of input.after) {
    const baseline = input.baseline.find((outcome) => outcome.check.name === after.check.name);
    const judged = judgeCheck(input, baseline, after);
    problems.push(...judged.problems);
    warnings.push(...judged.warnings);
    detectionErrors.push(...judged.detectionErrors);
    failToPass = [...failToPass, ...judged.failToPass];
    passToPass += judged.passToPass;
    if (judged.problems.length > 0) details.push(failureDetails(after, judged.failures));
  }

  for (const signal of input.signals) {
    const where = signal.line ? `${signal.file}:${signal.line}` : signal.file;
    const line = `${signal.kind.replaceAll('_', ' ')} in ${where}: ${signal.evidence}`;
    const explained =
      signal.file !== '' && !UNEXPLAINABLE.has(signal.kind) && input.summary.includes(signal.file);
    if (signal.severity === 'blocking' && !explained) problems.push(line);
    else
      warnings.push(
        explained && signal.severity === 'blocking' ? `${line} (explained in the summary)` : line,
      );
  }

  const feedback =
    problems.length === 0
      ? ''
      : [
          "drydock ran the repository's checks on your change and it cannot be delivered yet:",
          ...problems.map((problem) => `- ${problem}`),
          'Fix these and call finish again. If deleting or skipping a test is really intended, say why in your ' +
            'finish summary and name the file. If you cannot fix them, call give_up with what you found.',
          ...details,
        ].join('\n\n');
  return {
    passed: problems.length === 0,
    problems,
    warnings,
    detectionErrors,
    failToPass: unique(failToPass),
    passToPass,
    feedback,
  };
}

function judgeCheck(
  input: GateInput,
  baseline: CheckOutcome | undefined,
  after: CheckOutcome,
): CheckJudgement {
  const name = `${after.check.name} (${checkLabel(after.check)})`;
  const judged: CheckJudgement = {
    problems: [],
    warnings: [],
    detectionErrors: [],
    failToPass: [],
    passToPass: 0,
    failures: failingTests(after),
  };
  // Failing now where it passed on the base commit (or did not run there: nothing vouches for it).
  const regressed = !checkPassed(after) && (baseline === undefined || checkPassed(baseline));
  const was = baseline === undefined ? 'it did not run on the base commit' : 'it passed on the base commit';
  const before = readableTests(baseline);
  const now = readableTests(after);

  if (before && now) {
    const wanted = selectFailToPass(input.task, before);
    const grade = gradeRun({ baseline: before, after: now, failToPass: wanted });
    judged.failToPass = grade.failToPass.map((test) => test.id);
    judged.passToPass = grade.passToPass.length;
    const failedBefore = new Set(
      before.tests.filter((test) => test.status === 'failed').map((test) => test.id),
    );
    const broke = new Set([...grade.brokeTests, ...grade.stillFailing]);
    const newlyFailing = now.tests
      .filter((test) => test.status === 'failed' && !failedBefore.has(test.id) && !broke.has(test.id))
      .map((test) => test.id);
    if (grade.stillFailing.length > 0)
      judged.problems.push(`${name}: still failing: ${list(grade.stillFailing)}`);
    if (grade.brokeTests.length > 0)
      judged.problems.push(`${name}: broke tests that passed before: ${list(grade.brokeTests)}`);
    if (newlyFailing.length > 0)
      judged.problems.push(`${name}: tests fail that did not fail on the base commit: ${list(newlyFailing)}`);
    if (judged.problems.length === 0 && regressed)
      judged.problems.push(`${name}: ${describeExit(after)}, and ${was}`);
    const stillFailed = now.summary.failed;
    if (judged.problems.length === 0 && stillFailed > 0) {
      judged.warnings.push(
        `${name}: ${plural(stillFailed, 'test')} failing before and still failing (not blamed on this change): ${list(
          now.tests.filter((test) => test.status === 'failed').map((test) => test.id),
        )}`,
      );
    }
    return judged;
  }

  if (
    after.check.kind === 'test' ||
    after.check.kind === 'script' ||
    !after.diagnostics ||
    !baseline?.diagnostics
  ) {
    const unreadable = after.check.kind === 'test' ? unreadableBaseline(name, baseline, now) : null;
    if (unreadable) judged.detectionErrors.push(unreadable);
    if (before && !now) {
      judged.problems.push(
        `${name}: per-test results could not be read with the change (${testsUnknown(after)}), and they could on the base commit`,
      );
    }
    // A test failing now was not seen failing on the base commit: blamed on the change.
    const failing = now?.tests.filter((test) => test.status === 'failed').map((test) => test.id) ?? [];
    if (failing.length > 0)
      judged.problems.push(
        `${name}: tests fail that were not seen failing on the base commit: ${list(failing)}`,
      );
    if (regressed) {
      judged.problems.push(`${name}: ${describeExit(after)}, and ${was}`);
    } else if (!checkPassed(after) && judged.problems.length === 0) {
      // The tests, or a whole script whose failing tests may hide what else in it failed. Not a step
      // run on its own: failing before and after (an audit that needs the network) it is no reason.
      const aboutTests = after.check.kind === 'test' || after.check.name === WHOLE_TEST_SCRIPT;
      if (aboutTests && isAboutFailingTests(input.task))
        judged.problems.push(`${name}: ${describeExit(after)}; the task is about making tests pass`);
      else judged.warnings.push(`${name}: ${describeExit(after)}, as on the base commit`);
    }
    return judged;
  }

  const fresh = diffDiagnostics(baseline.diagnostics, after.diagnostics, input.touchedFiles);
  if (fresh.length > 0) {
    const shown = fresh.slice(0, 10).map((d) => `${d.file}:${d.line ?? '?'} ${d.message}`);
    judged.problems.push(`${name}: ${fresh.length} new diagnostics in changed files: ${shown.join('; ')}`);
  } else if (regressed) {
    judged.problems.push(`${name}: ${describeExit(after)}, and ${was}`);
  }
  return judged;
}

/** Per-test results the gate can grade by: read, and at least one test in them. Zero tests says nothing. */
function readableTests(outcome: CheckOutcome | undefined): TestRun | null {
  const tests = outcome?.tests;
  return tests?.parsed && tests.tests.length > 0 ? tests : null;
}

/** Why a check's per-test results are unknown, for people. */
function testsUnknown(outcome: CheckOutcome | undefined): string {
  if (!outcome) return 'it did not run';
  if (outcome.testsUnreadable) return outcome.testsUnreadable;
  if (outcome.tests?.parsed) return `the ${outcome.tests.runner} results list no tests`;
  return 'no test runner output was recognised';
}

/**
 * A detection error: the base commit's per-test results are unknown while the change's run reported
 * tests (the runner clearly ran some), or a report drydock asked the runner for was not there.
 */
function unreadableBaseline(
  name: string,
  baseline: CheckOutcome | undefined,
  now: TestRun | null,
): string | null {
  if (readableTests(baseline)) return null;
  if (!now && !baseline?.testsUnreadable) return null;
  const ran = now ? `, while the run with the change reported ${now.tests.length} tests` : '';
  return `${name}: per-test results of the base commit could not be read (${testsUnknown(baseline)})${ran}; judged by exit code, and every failing test is blamed on the change`;
}

function failingTests(outcome: CheckOutcome): TestCase[] {
  return outcome.tests?.tests.filter((test) => test.status === 'failed') ?? [];
}

/** What the coder reads about one failing check: failing tests with their messages, and the output's end. */
function failureDetails(outcome: CheckOutcome, failures: readonly TestCase[]): string {
  const name = `${outcome.check.name} (${checkLabel(outcome.check)})`;
  const tests = failures
    .slice(0, MAX_FAILURES_SHOWN)
    .map((test) => `### ${test.id}\n\n\`\`\`\n${test.message ?? '(no message)'}\n\`\`\``);
  return [`## ${name}`, ...tests, `Last lines of its output:\n\n\`\`\`\n${outcome.outputTail}\n\`\`\``].join(
    '\n\n',
  );
}

const MAX_FAILURES_SHOWN = 5;

function describeExit(outcome: CheckOutcome): string {
  return outcome.timedOut ? 'timed out' : `exited with ${outcome.exitCode}`;
}

function list(ids: readonly string[], max = 10): string {
  const shown = ids.slice(0, max).join(', ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
