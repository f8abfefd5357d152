import type { AttemptsChoice } from './attempts.ts';
import type { EventData, ReviewFinding } from './events.ts';

/** Review findings counted by severity. */
export type FindingCounts = Record<ReviewFinding['severity'], number>;

/**
 * A child session (an attempt, a manager's child) at a glance, read from its own event log: how its
 * agent stopped, the gate's and the reviewer's last word, and the change it committed. The session's
 * own fields (state, reason, usage) say the rest. `GET /api/sessions/:id/children` answers one per child.
 */
export interface ChildDigest {
  /** How the coder last stopped (`finished`, `gave_up`, `budget_exhausted`, …); null before it stopped. */
  outcome: { kind: string; detail: string } | null;
  /** The gate's last verdict; null before it judged the change. */
  gate: { round: number; passed: boolean; failToPass: number; passToPass: number; problems: string[] } | null;
  /** The reviewer's last round; null before a review. */
  review: { round: number; approved: boolean; findings: FindingCounts } | null;
  /**
   * The committed change: the turns' `delivery.committed` summed (a file changed in two turns counts
   * twice); null when it committed nothing.
   */
  diff: { files: number; insertions: number; deletions: number } | null;
}

/** Counts findings by severity. Pure. */
export function countFindings(findings: readonly Pick<ReviewFinding, 'severity'>[]): FindingCounts {
  const counts: FindingCounts = { critical: 0, major: 0, minor: 0, nit: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

/** A child's digest from its events, oldest first. Events of other types are skipped. Pure. */
export function childDigest(events: readonly { data: EventData }[]): ChildDigest {
  const digest: ChildDigest = { outcome: null, gate: null, review: null, diff: null };
  const commits = new Set<string>();
  for (const { data } of events) {
    switch (data.type) {
      case 'agent.stopped':
        if (data.role === undefined || data.role === 'coder') {
          digest.outcome = { kind: data.outcome, detail: data.detail };
        }
        break;
      case 'gate.verdict':
        digest.gate = {
          round: data.round,
          passed: data.passed,
          failToPass: data.failToPass.length,
          passToPass: data.passToPass,
          problems: data.problems,
        };
        break;
      case 'review.completed':
        digest.review = {
          round: data.round,
          approved: data.approved,
          findings: countFindings(data.findings),
        };
        break;
      case 'delivery.committed': {
        // A resumed delivery may record the same commit twice: it counts once.
        if (commits.has(data.commit)) break;
        commits.add(data.commit);
        const diff = digest.diff ?? { files: 0, insertions: 0, deletions: 0 };
        digest.diff = {
          files: diff.files + data.filesChanged,
          insertions: diff.insertions + data.insertions,
          deletions: diff.deletions + data.deletions,
        };
        break;
      }
      default:
        break;
    }
  }
  return digest;
}

/** What a parent's log says about its children: the latest choice of an attempts session, and what it integrated. */
export interface ParentRecord {
  /** The latest `attempts.chosen`; null before the choice (or for a manager). */
  choice: AttemptsChoice | null;
  /** Per child id, the change a manager took in (`child.integrated`), the latest one. */
  integrated: Map<string, { files: string[]; conflicts: string[] }>;
}

/** Reads a parent's log for its children. Pure. */
export function parentRecord(events: readonly { data: EventData }[]): ParentRecord {
  const record: ParentRecord = { choice: null, integrated: new Map() };
  for (const { data } of events) {
    if (data.type === 'attempts.chosen') {
      const { type: _type, ...choice } = data;
      record.choice = choice;
    } else if (data.type === 'child.integrated') {
      record.integrated.set(data.childId, { files: data.files, conflicts: data.conflicts });
    }
  }
  return record;
}
