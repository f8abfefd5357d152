import type { EventData } from '../core/events.ts';
import type { CheckOutcome } from '../verify/check-outcome.ts';
import type { GateVerdict } from '../verify/gate.ts';

/** A check's outcome as the event log carries it (`checks.completed`): counts and the output's tail. */
export function checkSummary(outcome: CheckOutcome & { outputArtifactId?: string }) {
  return {
    name: outcome.check.name,
    command: outcome.check.command,
    exitCode: outcome.exitCode,
    timedOut: outcome.timedOut,
    tests: outcome.tests?.parsed ? outcome.tests.summary : null,
    diagnostics: outcome.diagnostics ? outcome.diagnostics.length : null,
    durationMs: outcome.durationMs,
    outputTail: outcome.outputTail.split('\n').slice(-15).join('\n'),
    ...(outcome.outputArtifactId ? { outputArtifactId: outcome.outputArtifactId } : {}),
    ...(outcome.testsUnreadable ? { testsUnreadable: outcome.testsUnreadable } : {}),
  };
}

/** What the gate's round puts in the log: the checks after the change and the verdict on them. */
export function gateRoundEvents(
  round: number,
  after: ReadonlyArray<CheckOutcome & { outputArtifactId?: string }>,
  verdict: GateVerdict,
): EventData[] {
  return [
    { type: 'checks.completed', phase: 'after', round, checks: after.map(checkSummary) },
    {
      type: 'gate.verdict',
      round,
      passed: verdict.passed,
      problems: verdict.problems,
      warnings: verdict.warnings,
      failToPass: verdict.failToPass,
      passToPass: verdict.passToPass,
      ...(verdict.detectionErrors.length > 0 ? { detectionErrors: verdict.detectionErrors } : {}),
    },
  ];
}
