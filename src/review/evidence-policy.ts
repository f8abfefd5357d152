import type { FindingEvidence } from '../core/events.ts';
import type { Severity } from './findings.ts';

/**
 * The evidence policy of a review of an existing change (docs/review.md, "Evidence"): a critical or
 * major finding stands at its severity only when drydock ran the reviewer's proof and it showed the
 * defect. Minor findings and nits need no proof.
 */

/** How a proof that drydock ran turned out. */
export type ProofOutcome =
  /** It failed as the reviewer said it would: the defect is shown. */
  | 'shown'
  /** It passed: the reviewer's own reproduction says the defect is not there. */
  | 'refuted'
  /**
   * It could not back the finding: no proof given, the command could not run (not found, timed out),
   * it failed otherwise than the reviewer said, or a check that already failed before the change.
   */
  | 'unsupported';

export type PolicyDecision =
  | { kind: 'keep'; severity: Severity; verified: boolean; downgradedFrom?: 'critical' | 'major' }
  | { kind: 'drop'; reason: string };

/** Whether a finding's severity asks for evidence. Pure. */
export function needsEvidence(severity: Severity): severity is 'critical' | 'major' {
  return severity === 'critical' || severity === 'major';
}

/**
 * What the policy does with a finding of `severity` whose proof came out as `outcome` (null: a finding
 * that needs none). Shown: kept, verified. Unsupported: one severity down (critical → major, major →
 * minor). Refuted: dropped. Pure.
 */
export function applyEvidencePolicy(severity: Severity, outcome: ProofOutcome | null): PolicyDecision {
  if (!needsEvidence(severity) || outcome === null) return { kind: 'keep', severity, verified: false };
  switch (outcome) {
    case 'shown':
      return { kind: 'keep', severity, verified: true };
    case 'unsupported':
      return {
        kind: 'keep',
        severity: severity === 'critical' ? 'major' : 'minor',
        verified: false,
        downgradedFrom: severity,
      };
    case 'refuted':
      return { kind: 'drop', reason: "the reviewer's own reproduction passed" };
  }
}

/** What a command's result says about a finding, given what the reviewer expected it to print. Pure. */
export function judgeProofRun(run: {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
  expectOutput?: string;
}): ProofOutcome {
  // 126: not executable; 127: not found. Neither says anything about the change.
  if (run.timedOut || run.exitCode === null || run.exitCode === 126 || run.exitCode === 127)
    return 'unsupported';
  if (run.exitCode === 0) return 'refuted';
  if (run.expectOutput !== undefined && !run.output.includes(run.expectOutput)) return 'unsupported';
  return 'shown';
}

/**
 * What one of the gate's checks says about a finding: shown when it fails on the change and did not on
 * the base commit (so the change broke it); a check that passes, or failed before the change too,
 * backs nothing (and a passing check does not refute a finding: it may not cover the code). Pure.
 */
export function judgeCheck(check: { failedAfter: boolean; failedBefore: boolean }): ProofOutcome {
  return check.failedAfter && !check.failedBefore ? 'shown' : 'unsupported';
}

/** Evidence as a finding carries it. Pure. */
export function evidenceOf(
  command: string,
  output: string,
  outcome: ProofOutcome,
  exitCode: number | null,
): FindingEvidence {
  return { command, output, verified: outcome === 'shown', exitCode };
}
