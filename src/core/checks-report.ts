/**
 * What the agent's `run_checks` tool reports: the checks the gate runs, run on the workspace as it is
 * now and compared test by test with the session's baseline (the base commit), plus what the gate
 * would say about the change. The session computes it (it owns the checks and the baseline); the agent
 * only formats it.
 */
export interface ChecksReport {
  checks: CheckReport[];
  /** What would keep the gate from delivering the workspace as it is now, one line each. */
  problems: string[];
  warnings: string[];
}

export interface CheckReport {
  name: string;
  /** What runs, as people read it (the check's label, else its command). */
  label: string;
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** Per-test counts now; null when per-test results are unknown (then judged by the exit code). */
  tests: { passed: number; failed: number; skipped: number } | null;
  /** Failing now, and not failing on the base commit (passed there, or absent). */
  newlyFailing: FailingTest[];
  /** Failing on the base commit and now: not blamed on the change, unless the task is to fix them. */
  stillFailing: FailingTest[];
  /** Failing on the base commit, passing now. */
  fixed: string[];
  /** Diagnostics (typecheck, lint) counted now and on the base commit; null when not parsed. */
  diagnostics: { now: number; before: number | null } | null;
  /** The last lines of the output, for a failing check whose per-test results say nothing. */
  outputTail?: string;
}

export interface FailingTest {
  id: string;
  /** The failure message's first lines, shortened. */
  message?: string;
}

/** Runs the gate's checks now; never throws for a failing check (a failing run is a report). */
export type RunGateChecks = (signal: AbortSignal) => Promise<ChecksReport>;
