import type { AttemptEvidence, AttemptsChoice } from '../../core/attempts.ts';
import type { EventData } from '../../core/events.ts';
import { plural } from '../../core/plural.ts';
import type { Session } from '../../core/session.ts';
import type { CheckOutcome } from '../../verify/check-outcome.ts';

/**
 * Choosing the attempt an `attempts` session delivers (docs/attempts.md, "How the winner is chosen").
 * Pure: the evidence comes from each attempt's log and checkpoint, read by the caller.
 */

/** One attempt as the choice reads it: the session, its log's events, and its gate's per-test results. */
export interface AttemptRecord {
  /** 1-based, in the order the attempts were started: the judge and the reports name attempts by it. */
  number: number;
  session: Pick<Session, 'id' | 'model' | 'state' | 'reason' | 'usage' | 'headCommit'>;
  events: readonly EventData[];
  /** The baseline and the last run of the checks (from the attempt's checkpoint); null when it has none. */
  gate: { baseline: readonly CheckOutcome[] | null; lastAfter: readonly CheckOutcome[] | null } | null;
}

/** Why an attempt failed, for the bow-out report: the gate's problems, the open findings, the reason. */
export interface AttemptFailure {
  sessionId: string;
  number: number;
  model: string;
  state: Session['state'];
  reason: string | null;
  /** The gate's problems on its last round (empty: it passed, or never ran). */
  problems: string[];
  /** Critical and major findings of the last review, one line each. */
  findings: string[];
}

/** A finding of each severity counts as many of the next lighter one, and one more. */
const SEVERITY_WEIGHT = { critical: 27, major: 9, minor: 3, nit: 1 } as const;

/**
 * Two candidates are close when neither the tests nor the review separate them (the same FAIL_TO_PASS
 * count, regressions and findings of each severity) and their diffs are about the same size: lines
 * changed within {@link CLOSE_LINES_SHARE} of the larger (or {@link CLOSE_LINES_MIN} lines, whichever is
 * more) and files touched within {@link CLOSE_FILES}. Cost alone never separates close candidates: the
 * judge does, and cost breaks the tie only when the judge cannot answer.
 */
export const CLOSE_LINES_SHARE = 0.25;
export const CLOSE_LINES_MIN = 5;
export const CLOSE_FILES = 1;

/** What the choice knows about an attempt. Pure. */
export function attemptEvidence(record: AttemptRecord): AttemptEvidence {
  const { session, events } = record;
  const verdict = lastOf(events, 'gate.verdict');
  const review = lastOf(events, 'review.completed');
  const committed = lastOf(events, 'delivery.committed');
  const findings = { critical: 0, major: 0, minor: 0, nit: 0 };
  for (const finding of review?.findings ?? []) findings[finding.severity] += 1;
  const candidate = session.state === 'delivered' && session.headCommit !== null;
  return {
    sessionId: session.id,
    model: session.model,
    state: session.state,
    candidate,
    why: candidate ? 'passed the gate and the review' : notCandidateWhy(session, verdict?.passed),
    failToPass: verdict?.failToPass.length ?? 0,
    passToPass: verdict?.passToPass ?? 0,
    regressions: regressions(record),
    findings,
    diff: committed
      ? { files: committed.filesChanged, insertions: committed.insertions, deletions: committed.deletions }
      : null,
    costUsd: session.usage.costUsd,
  };
}

/** Why an attempt that did not deliver failed, for its report. Pure. */
export function attemptFailure(record: AttemptRecord): AttemptFailure {
  const verdict = lastOf(record.events, 'gate.verdict');
  const review = lastOf(record.events, 'review.completed');
  return {
    sessionId: record.session.id,
    number: record.number,
    model: record.session.model,
    state: record.session.state,
    reason: record.session.reason,
    problems: verdict && !verdict.passed ? verdict.problems : [],
    findings: (review?.findings ?? [])
      .filter((finding) => finding.severity === 'critical' || finding.severity === 'major')
      .map(
        (finding) =>
          `${finding.severity} ${finding.file}${finding.line ? `:${finding.line}` : ''}: ${finding.explanation}`,
      ),
  };
}

/** The ranking and whether the judge is needed. */
export interface Ranked {
  /** Every attempt: candidates best first, then the rest in the order they were started. */
  ranking: AttemptEvidence[];
  /** The candidates too close to call on evidence (the leader first), for the judge; empty otherwise. */
  close: string[];
}

/**
 * Ranks attempts by evidence: candidates only (delivered: passed the gate and the review), by more
 * FAIL_TO_PASS tests, fewer regressions, fewer and lighter findings, a smaller diff (lines, then files),
 * lower cost; the earlier attempt on a full tie. Pure.
 */
export function rankAttempts(evidence: readonly AttemptEvidence[]): Ranked {
  const candidates = evidence.filter((e) => e.candidate).sort(compareEvidence);
  const others = evidence.filter((e) => !e.candidate);
  const [leader] = candidates;
  const close = leader ? candidates.filter((e) => isClose(leader, e)).map((e) => e.sessionId) : [];
  const ranking = [
    ...candidates.map((e, index) => ({
      ...e,
      why:
        index === 0
          ? `best on evidence: ${describeEvidence(e)}`
          : `ranked ${index + 1}: ${describeEvidence(e)}`,
    })),
    ...others,
  ];
  return { ranking, close: close.length >= 2 ? close : [] };
}

/** Candidates' order: negative when `a` is better. Stable ties keep the order attempts were started. */
export function compareEvidence(a: AttemptEvidence, b: AttemptEvidence): number {
  return (
    b.failToPass - a.failToPass ||
    a.regressions - b.regressions ||
    findingsWeight(a) - findingsWeight(b) ||
    linesOf(a) - linesOf(b) ||
    (a.diff?.files ?? 0) - (b.diff?.files ?? 0) ||
    a.costUsd - b.costUsd
  );
}

/** Whether `other` is too close to `leader` to call on evidence (see CLOSE_LINES_SHARE). Pure. */
export function isClose(leader: AttemptEvidence, other: AttemptEvidence): boolean {
  if (leader.failToPass !== other.failToPass || leader.regressions !== other.regressions) return false;
  const severities = ['critical', 'major', 'minor', 'nit'] as const;
  if (severities.some((severity) => leader.findings[severity] !== other.findings[severity])) return false;
  const lines = Math.abs(linesOf(leader) - linesOf(other));
  const allowed = Math.max(CLOSE_LINES_MIN, CLOSE_LINES_SHARE * Math.max(linesOf(leader), linesOf(other)));
  return lines <= allowed && Math.abs((leader.diff?.files ?? 0) - (other.diff?.files ?? 0)) <= CLOSE_FILES;
}

/** What the judge said, or that it could not answer. */
export type JudgeAnswer =
  | { kind: 'chosen'; sessionId: string; verdict: string; model: string }
  | { kind: 'failed'; reason: string; model: string };

/**
 * The choice: no candidate → no winner (the parent bows out); one clear leader → it; close candidates
 * → the judge's pick, or the evidence leader when the judge failed (said in the reason). Pure.
 */
export function decideChoice(ranked: Ranked, judge: JudgeAnswer | null, total: number): AttemptsChoice {
  const { ranking, close } = ranked;
  const leader = ranking.find((e) => e.candidate);
  if (!leader) {
    return {
      winnerId: null,
      reason: `none of the ${plural(total, 'attempt')} passed both the gate and the review`,
      ranking,
    };
  }
  if (close.length < 2) {
    const runnerUp = ranking.filter((e) => e.candidate)[1];
    return {
      winnerId: leader.sessionId,
      reason: runnerUp
        ? `${leader.sessionId} has the best evidence (${describeEvidence(leader)}; next: ${describeEvidence(runnerUp)})`
        : `${leader.sessionId} is the only attempt that passed the gate and the review`,
      ranking,
    };
  }
  if (judge?.kind === 'chosen' && close.includes(judge.sessionId)) {
    const winner = judge.sessionId;
    const ordered = [
      ...ranking.filter((e) => e.sessionId === winner),
      ...ranking.filter((e) => e.sessionId !== winner),
    ];
    return {
      winnerId: winner,
      reason: `${plural(close.length, 'candidate')} were too close to call on evidence; the judge chose ${winner}: ${judge.verdict}`,
      ranking: ordered.map((e) =>
        e.sessionId === winner ? { ...e, why: `chosen by the judge: ${describeEvidence(e)}` } : e,
      ),
      judge: { model: judge.model, verdict: judge.verdict },
    };
  }
  const why =
    judge === null
      ? 'no judge was asked'
      : judge.kind === 'failed'
        ? `the judge failed (${judge.reason})`
        : `the judge named ${judge.sessionId}, which is not one of them`;
  return {
    winnerId: leader.sessionId,
    reason: `${plural(close.length, 'candidate')} were too close to call on evidence and ${why}, so the evidence ranking decides: ${leader.sessionId} (${describeEvidence(leader)})`,
    ranking,
  };
}

/** `fixed 1 failing test, no regressions, 1 minor finding, +3 -1 in 1 file, $0.0120`. Pure. */
export function describeEvidence(e: AttemptEvidence): string {
  const findings = (['critical', 'major', 'minor', 'nit'] as const)
    .filter((severity) => e.findings[severity] > 0)
    .map((severity) => plural(e.findings[severity], `${severity} finding`));
  const diff = e.diff
    ? `+${e.diff.insertions} -${e.diff.deletions} in ${plural(e.diff.files, 'file')}`
    : 'no diff';
  return [
    `fixed ${plural(e.failToPass, 'failing test')}`,
    e.regressions > 0 ? plural(e.regressions, 'regression') : 'no regressions',
    findings.length > 0 ? findings.join(', ') : 'no findings',
    diff,
    `$${e.costUsd.toFixed(4)}`,
  ].join(', ');
}

function findingsWeight(e: AttemptEvidence): number {
  return (
    e.findings.critical * SEVERITY_WEIGHT.critical +
    e.findings.major * SEVERITY_WEIGHT.major +
    e.findings.minor * SEVERITY_WEIGHT.minor +
    e.findings.nit * SEVERITY_WEIGHT.nit
  );
}

function linesOf(e: AttemptEvidence): number {
  return e.diff ? e.diff.insertions + e.diff.deletions : 0;
}

function notCandidateWhy(session: AttemptRecord['session'], gatePassed: boolean | undefined): string {
  const how = session.state === 'bowed_out' ? 'bowed out' : session.state;
  const gate = gatePassed === false ? ' (the gate failed)' : '';
  return `${how}${gate}${session.reason ? `: ${session.reason}` : ''}`;
}

/**
 * Tests that passed on the base commit and fail (or are gone) after the change, from per-test results;
 * where a check's tests were not read, a check that passed before and fails now counts as one. Pure.
 */
export function regressions(record: Pick<AttemptRecord, 'events' | 'gate'>): number {
  const baseline = record.gate?.baseline;
  const after = record.gate?.lastAfter;
  if (baseline && after) {
    let count = 0;
    for (const outcome of after) {
      const before = baseline.find((b) => b.check.name === outcome.check.name);
      if (!before) continue;
      if (before.tests?.parsed && outcome.tests?.parsed) {
        const now = new Map(outcome.tests.tests.map((test) => [test.id, test.status]));
        count += before.tests.tests.filter(
          (test) => test.status === 'passed' && (now.get(test.id) ?? 'failed') === 'failed',
        ).length;
      } else if (passed(before) && !passed(outcome)) {
        count += 1;
      }
    }
    return count;
  }
  // No checkpoint to read: the log's check summaries (counts only).
  const baseRun = record.events.find(
    (e): e is Extract<EventData, { type: 'checks.completed' }> =>
      e.type === 'checks.completed' && e.phase === 'baseline',
  );
  const afterRun = lastOf(record.events, 'checks.completed');
  if (!baseRun || !afterRun || afterRun.phase !== 'after') return 0;
  let count = 0;
  for (const check of afterRun.checks) {
    const before = baseRun.checks.find((b) => b.name === check.name);
    if (!before) continue;
    if (before.tests && check.tests) count += Math.max(0, check.tests.failed - before.tests.failed);
    else if (before.exitCode === 0 && !before.timedOut && (check.exitCode !== 0 || check.timedOut))
      count += 1;
  }
  return count;
}

function passed(outcome: CheckOutcome): boolean {
  return outcome.exitCode === 0 && !outcome.timedOut;
}

function lastOf<T extends EventData['type']>(
  events: readonly EventData[],
  type: T,
): Extract<EventData, { type: T }> | undefined {
  return events.findLast((event): event is Extract<EventData, { type: T }> => event.type === type);
}
