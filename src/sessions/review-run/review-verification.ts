import type { CheckEvidence } from '../../review/run-change-review.ts';
import type { CheckOutcome } from '../../verify/check-outcome.ts';
import { checkLabel } from '../../verify/checks.ts';
import type { GateVerdict } from '../../verify/gate.ts';

function passed(outcome: CheckOutcome | undefined): boolean {
  return outcome !== undefined && outcome.exitCode === 0 && !outcome.timedOut;
}

/** Tests failing in `outcome` by id. */
function failingTests(outcome: CheckOutcome | undefined): Set<string> {
  const tests = outcome?.tests?.parsed ? outcome.tests.tests : [];
  return new Set(tests.filter((test) => test.status === 'failed').map((test) => test.id));
}

/**
 * The gate's checks as proofs can name them: a check counts against the change when it fails on the
 * change and either passed on the base commit or fails now in tests that passed there. Pure.
 */
export function checkEvidence(
  baseline: readonly CheckOutcome[],
  after: readonly CheckOutcome[],
): CheckEvidence[] {
  return after.map((outcome) => {
    const before = baseline.find((candidate) => candidate.check.name === outcome.check.name);
    const wereFailing = failingTests(before);
    const newlyFailing = [...failingTests(outcome)].filter((id) => !wereFailing.has(id));
    return {
      name: outcome.check.name,
      command: checkLabel(outcome.check),
      failedAfter: !passed(outcome),
      failedBefore: !passed(before) && newlyFailing.length === 0,
      output: outcome.outputTail,
      exitCode: outcome.exitCode,
    };
  });
}

/** What the reviewer reads about the checks: each on the base commit and on the change. Pure. */
export function describeVerification(
  baseline: readonly CheckOutcome[],
  after: readonly CheckOutcome[],
  verdict: GateVerdict | null,
): string {
  if (after.length === 0) return 'The repository has no checks drydock could find.';
  const status = (outcome: CheckOutcome | undefined) => {
    if (!outcome) return 'not run';
    if (outcome.tests?.parsed)
      return `${outcome.tests.summary.passed} passed, ${outcome.tests.summary.failed} failed`;
    return outcome.timedOut ? 'timed out' : `exit ${outcome.exitCode}`;
  };
  const lines = after.map((outcome) => {
    const before = baseline.find((candidate) => candidate.check.name === outcome.check.name);
    return `- \`${outcome.check.name}\` (\`${checkLabel(outcome.check)}\`): base commit ${status(before)}; with the change ${status(outcome)}`;
  });
  if (verdict && verdict.problems.length > 0) {
    lines.push('', 'What the change broke, as the gate judges it:');
    lines.push(...verdict.problems.map((problem) => `- ${problem}`));
  }
  return lines.join('\n');
}
