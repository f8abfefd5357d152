import {
  type AttemptEvidence,
  type AttemptsChoice,
  type FindingCounts,
  isTerminalState,
  type Session,
  type SessionChild,
} from './types.ts';

/** One attempt as its card shows it: the child's digest, and the choice's evidence once there is one. */
export interface AttemptCard {
  /** 1-based, in the order the attempts were planned. */
  number: number;
  model: string;
  /** Null: planned (`attemptModels`) but not started yet. */
  child: SessionChild | null;
  /** Its place in the choice's ranking, from 1; null before the choice. */
  rank: number | null;
  evidence: AttemptEvidence | null;
  winner: boolean;
  /**
   * Why it is not the winner: the choice's word for it (why it did not qualify, or where it stood among the
   * candidates), else how it ended when it ended without a change; null for the winner and the running.
   */
  whyNot: string | null;
  /** Fail-to-pass tests the gate saw passing; null before a verdict. */
  failToPass: number | null;
  /** Tests that passed before and fail now: from the choice's evidence only (the gate's problems say them otherwise). */
  regressions: number | null;
  /** The gate's problems on its last round. */
  problems: string[];
  findings: FindingCounts | null;
  diff: { files: number; insertions: number; deletions: number } | null;
}

/**
 * The attempts of an attempts session as cards, side by side: in the order of the choice's ranking once
 * it chose (the winner first), else in the order they were planned; attempts planned but not started yet
 * are cards too. Pure.
 */
export function attemptCards(
  parent: Pick<Session, 'attemptModels'>,
  children: readonly SessionChild[],
  choice: AttemptsChoice | null,
): AttemptCard[] {
  const ranking = choice?.ranking ?? [];
  const cards: AttemptCard[] = children.map((child, index) => {
    const rankIndex = ranking.findIndex((each) => each.sessionId === child.id);
    const evidence = ranking[rankIndex] ?? null;
    const winner = choice?.winnerId === child.id;
    const { digest } = child;
    return {
      number: index + 1,
      model: child.model,
      child,
      rank: rankIndex >= 0 ? rankIndex + 1 : null,
      evidence,
      winner,
      whyNot: winner ? null : whyNotOf(child, evidence),
      failToPass: evidence?.failToPass ?? digest.gate?.failToPass ?? null,
      regressions: evidence?.regressions ?? null,
      problems: digest.gate && !digest.gate.passed ? digest.gate.problems : [],
      findings: evidence?.findings ?? digest.review?.findings ?? null,
      diff: digest.diff ?? evidence?.diff ?? null,
    };
  });
  const planned = parent.attemptModels ?? [];
  for (let i = children.length; i < planned.length; i++) {
    cards.push({
      number: i + 1,
      model: planned[i] ?? '',
      child: null,
      rank: null,
      evidence: null,
      winner: false,
      whyNot: null,
      failToPass: null,
      regressions: null,
      problems: [],
      findings: null,
      diff: null,
    });
  }
  if (choice) cards.sort((a, b) => (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER));
  return cards;
}

function whyNotOf(child: SessionChild, evidence: AttemptEvidence | null): string | null {
  if (evidence) return evidence.why;
  if (!isTerminalState(child.state) || child.state === 'delivered') return null;
  return child.reason ?? child.digest.gate?.problems[0] ?? child.state.replace('_', ' ');
}

/** Findings as "1 major · 2 nit" (zeros left out), or "none". Pure. */
export function describeFindings(findings: FindingCounts): string {
  const parts = (['critical', 'major', 'minor', 'nit'] as const)
    .filter((severity) => findings[severity] > 0)
    .map((severity) => `${findings[severity]} ${severity}`);
  return parts.length > 0 ? parts.join(' · ') : 'none';
}
