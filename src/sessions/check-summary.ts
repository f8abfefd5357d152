import type { CheckOutcome } from '../verify/check-outcome.ts';

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
