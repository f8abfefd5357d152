import type { SessionState } from './session-state.ts';

/**
 * One attempt of an `attempts` session as the choice saw it (docs/attempts.md): the evidence it was
 * ranked by, and why it was (not) chosen. The parent's `attempts.chosen` event lists one per attempt,
 * in rank order; `drydock show` and the web UI show them side by side.
 */
export interface AttemptEvidence {
  sessionId: string;
  model: string;
  /** How the attempt ended. */
  state: SessionState;
  /** Passed the gate and the review: only candidates can be chosen. */
  candidate: boolean;
  /** Why it is (not) a candidate, or where it stood among them, in one line. */
  why: string;
  /** The gate's test evidence on its last round: the failing tests it fixed, the passing ones kept. */
  failToPass: number;
  passToPass: number;
  /** Tests that passed before the change and fail after it (a regression; never a candidate). */
  regressions: number;
  /** The reviewer's findings on its last round, by severity. */
  findings: { critical: number; major: number; minor: number; nit: number };
  /** Its change, against the base commit (null: it changed nothing or never got that far). */
  diff: { files: number; insertions: number; deletions: number } | null;
  costUsd: number;
}

/** Why the winner won (or why none did), as the parent's log, the PR description and the UI say it. */
export interface AttemptsChoice {
  /** The chosen attempt's session id; null: no candidate, the parent bows out. */
  winnerId: string | null;
  /** One line: the evidence that decided it (or why none qualified). */
  reason: string;
  /** Every attempt, best first. */
  ranking: AttemptEvidence[];
  /** When two or more candidates were too close to call on evidence: the judge's pick and its words. */
  judge?: { model: string; verdict: string };
}
