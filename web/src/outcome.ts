import type { CheckSummary, ReviewFinding, StreamEvent } from './types.ts';

/** What a session tried before it ended, from its events: the "what was tried" of a bow-out. */
export interface Attempts {
  /** Each time the coder stopped (finished, gave up, ran out of budget), in order. */
  stops: Array<{ outcome: string; detail: string }>;
  /** The checks after the change, as last run; null when they never ran after it. */
  checks: CheckSummary[] | null;
  /** The gate's verdicts, in order. */
  verdicts: Array<{ round: number; passed: boolean; problems: string[] }>;
  /** Findings of the last review that did not approve; empty when it approved or none ran. */
  findings: ReviewFinding[];
  /** Hosts the sandbox refused, as `host:port`, each once. */
  blockedHosts: string[];
}

type Data = StreamEvent['data'];
const is = <T extends Data['type']>(data: Data, type: T): data is Extract<Data, { type: T }> =>
  data.type === type;

/** Reads the attempts from a session's events. Unknown event types are skipped. Pure. */
export function attemptsOf(events: readonly StreamEvent[]): Attempts {
  const attempts: Attempts = { stops: [], checks: null, verdicts: [], findings: [], blockedHosts: [] };
  for (const { data } of events) {
    if (is(data, 'agent.stopped') && data.role !== 'reviewer') {
      attempts.stops.push({ outcome: data.outcome, detail: data.detail });
    } else if (is(data, 'checks.completed') && data.phase === 'after') {
      attempts.checks = data.checks;
    } else if (is(data, 'gate.verdict')) {
      attempts.verdicts.push({ round: data.round, passed: data.passed, problems: data.problems });
    } else if (is(data, 'review.completed')) {
      attempts.findings = data.approved ? [] : data.findings;
    } else if (is(data, 'network.blocked')) {
      const name = `${data.host}:${data.port}`;
      if (!attempts.blockedHosts.includes(name)) attempts.blockedHosts.push(name);
    }
  }
  return attempts;
}

/** Whether a check passed, as the verification table says it. Pure. */
export function checkPassed(check: CheckSummary): boolean {
  return check.exitCode === 0 && !check.timedOut;
}
