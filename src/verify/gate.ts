import type { CheckOutcome } from './check-outcome.ts';
import { checkPassed } from './check-outcome.ts';
import { diffDiagnostics } from './diagnostics.ts';
import { selectFailToPass } from './fail-to-pass.ts';
import { gradeRun } from './grade.ts';

/** What the soft-signal analysis found in the diff; `blocking` ones stop delivery unless explained. */
export interface GateSignal {
  kind: string;
  severity: 'warning' | 'blocking';
  file: string;
  line?: number;
  evidence: string;
}

/** Blocking signals no summary explains away: drydock never delivers what they name. */
const UNEXPLAINABLE: ReadonlySet<string> = new Set(['nested_repository']);

export interface GateInput {
  task: string;
  /** The coder's finish summary: a blocking signal is explained when the summary names its file. */
  summary: string;
  baseline: readonly CheckOutcome[];
  after: readonly CheckOutcome[];
  signals: readonly GateSignal[];
  touchedFiles: readonly string[];
}

export interface GateVerdict {
  passed: boolean;
  /** Why it did not pass, one line each. */
  problems: string[];
  warnings: string[];
  failToPass: string[];
  passToPass: number;
  /** What the coder reads when the gate fails: the problems with failing names and output tails. */
  feedback: string;
}

/**
 * The verification gate, as a pure function: deliver only when the repository's checks show the
 * change works against the baseline (SWE-bench grading where test output parses, exit codes where it
 * does not), no test was deleted, skipped or weakened without explanation, and nothing got worse.
 */
export function decideGate(input: GateInput): GateVerdict {
  const problems: string[] = [];
  const warnings: string[] = [];
  const details: string[] = [];
  let failToPass: string[] = [];
  let passToPass = 0;

  if (input.after.length === 0)
    warnings.push('no checks found: nothing but the reviewer vouches for this change');
  for (const after of input.after) {
    const baseline = input.baseline.find((outcome) => outcome.check.name === after.check.name);
    const name = `${after.check.name} (${after.check.command})`;
    const failedBefore = problems.length;
    if (after.tests?.parsed && baseline?.tests?.parsed) {
      const wanted = selectFailToPass(input.task, baseline.tests);
      const grade = gradeRun({ baseline: baseline.tests, after: after.tests, failToPass: wanted });
      failToPass = [...failToPass, ...grade.failToPass.map((test) => test.id)];
      passToPass += grade.passToPass.length;
      if (grade.stillFailing.length > 0) problems.push(`${name}: still failing: ${list(grade.stillFailing)}`);
      if (grade.brokeTests.length > 0)
        problems.push(`${name}: broke tests that passed before: ${list(grade.brokeTests)}`);
      if (
        after.tests.summary.failed > 0 &&
        grade.stillFailing.length === 0 &&
        grade.brokeTests.length === 0
      ) {
        warnings.push(
          `${name}: ${after.tests.summary.failed} tests failed before and still fail (not blamed on this change)`,
        );
      }
    } else if (after.check.kind === 'test' || !after.diagnostics || !baseline?.diagnostics) {
      // Output we cannot parse: judge by exit codes, never letting a passing check start failing.
      if (!checkPassed(after) && (!baseline || checkPassed(baseline))) {
        problems.push(`${name}: ${describeExit(after)}, and it passed on the base commit`);
      } else if (!checkPassed(after) && after.check.kind === 'test' && /\b(fail|test)/i.test(input.task)) {
        problems.push(`${name}: ${describeExit(after)}; the task is about making tests pass`);
      } else if (!checkPassed(after)) {
        warnings.push(`${name}: ${describeExit(after)}, as on the base commit`);
      }
    } else {
      const fresh = diffDiagnostics(baseline.diagnostics, after.diagnostics, input.touchedFiles);
      if (fresh.length > 0) {
        const shown = fresh.slice(0, 10).map((d) => `${d.file}:${d.line ?? '?'} ${d.message}`);
        problems.push(`${name}: ${fresh.length} new diagnostics in changed files: ${shown.join('; ')}`);
      }
    }
    if (problems.length > failedBefore) details.push(`## ${name}\n\n\`\`\`\n${after.outputTail}\n\`\`\``);
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
    failToPass: unique(failToPass),
    passToPass,
    feedback,
  };
}

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
