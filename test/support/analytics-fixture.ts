import type { SessionFacts } from '../../src/core/analytics.ts';
import type { EventData, ReviewFinding } from '../../src/core/events.ts';
import type { Clock } from '../../src/core/ports/clock.ts';
import type { Store } from '../../src/core/ports/store.ts';
import { type Session, ZERO_USAGE } from '../../src/core/session.ts';

/**
 * Sessions and events whose analytics are counted by hand in src/core/analytics.test.ts (the range is
 * 2026-11-01 to 2026-11-03). Top-level sessions A–G count; D1 is an attempt of D (its gate and review roll
 * into D, its cost is in D's already); R, R2 and R3 are review sessions (counted apart); Z is before the range.
 */
export const ANALYTICS_RANGE = { from: '2026-11-01', to: '2026-11-03' };

const minutes = (at: string, count: number) => new Date(Date.parse(at) + count * 60_000).toISOString();

function session(id: string, createdAt: string, fields: Partial<Session>): Session {
  return {
    id,
    state: 'queued',
    task: `task ${id}`,
    repo: '/r/app',
    ref: 'main',
    baseCommit: null,
    headCommit: null,
    branch: null,
    model: 'm1',
    steps: 0,
    usage: ZERO_USAGE,
    summary: null,
    reason: null,
    createdAt,
    updatedAt: createdAt,
    ...fields,
  };
}

const finding = (round: number, severity: ReviewFinding['severity']): ReviewFinding => ({
  id: `f-${round}-${severity}`,
  round,
  file: 'src/a.ts',
  severity,
  explanation: `a ${severity} problem`,
});

const usage = (costUsd: number, costUnknown = false) => ({
  inputTokens: 1000,
  outputTokens: 100,
  costUsd,
  ...(costUnknown ? { costUnknown: true as const } : {}),
});

const github = { id: 'github:alice', name: 'alice' };
const api = { id: 'token:t1', name: 'ci token' };

export const ANALYTICS_SESSIONS: Session[] = [
  session('A', '2026-11-01T09:00:00.000Z', {
    state: 'delivered',
    model: 'm1',
    repo: '/r/app',
    createdBy: github,
    usage: usage(1),
  }),
  session('B', '2026-11-01T10:00:00.000Z', {
    state: 'delivered',
    model: 'm1',
    repo: '/r/app',
    createdBy: api,
    usage: usage(2),
  }),
  session('C', '2026-11-01T11:00:00.000Z', {
    state: 'bowed_out',
    model: 'm2',
    repo: '/r/lib',
    usage: usage(0.5),
  }),
  session('D', '2026-11-02T09:00:00.000Z', {
    state: 'delivered',
    kind: 'attempts',
    attemptModels: ['m2', 'm2'],
    model: 'm2',
    repo: '/r/app',
    createdBy: { id: 'slack:U1', name: 'U1' },
    usage: usage(1.5, true),
  }),
  session('D1', '2026-11-02T09:01:00.000Z', {
    state: 'delivered',
    kind: 'attempt',
    parentId: 'D',
    model: 'm2',
    repo: '/r/app',
    usage: usage(0.7),
  }),
  session('E', '2026-11-02T12:00:00.000Z', {
    state: 'failed',
    model: 'm1',
    repo: '/r/lib',
    createdBy: { id: 'schedule:nightly', name: 'nightly' },
    usage: usage(0.25),
  }),
  session('F', '2026-11-03T08:00:00.000Z', {
    state: 'cancelled',
    model: 'm1',
    repo: '/r/app',
    createdBy: { id: 'hook:sentry', name: 'sentry' },
  }),
  session('G', '2026-11-03T09:00:00.000Z', { state: 'queued', model: 'm1', repo: '/r/app', createdBy: api }),
  session('R', '2026-11-02T10:00:00.000Z', {
    state: 'delivered',
    kind: 'review',
    model: 'm1',
    repo: '/r/app',
    createdBy: api,
    usage: usage(3),
  }),
  session('R2', '2026-11-01T12:00:00.000Z', {
    state: 'delivered',
    kind: 'review',
    model: 'm1',
    repo: 'acme/app',
    createdBy: { id: 'github:bob', name: 'bob' },
    usage: usage(0.4),
  }),
  session('R3', '2026-11-03T10:00:00.000Z', {
    state: 'delivered',
    kind: 'review',
    model: 'm2',
    repo: 'acme/app',
    createdBy: { id: 'github:bob', name: 'bob' },
  }),
  session('Z', '2026-10-31T23:59:00.000Z', {
    state: 'delivered',
    model: 'm1',
    repo: '/r/app',
    usage: usage(9),
  }),
];

const delivered = (): EventData => ({ type: 'state.changed', from: 'delivering', to: 'delivered' });
const verdict = (round: number, passed: boolean): EventData => ({
  type: 'gate.verdict',
  round,
  passed,
  problems: passed ? [] : ['a test fails'],
  warnings: [],
  failToPass: [],
  passToPass: 0,
});
const review = (
  round: number,
  findings: ReviewFinding[],
  checked: { verified?: number; dropped?: number } = {},
): EventData => ({
  type: 'review.completed',
  round,
  approved: findings.length === 0,
  summary: 'reviewed',
  findings,
  ...checked,
});
const closed = (number: number, merged: boolean): EventData => ({
  type: 'pull.closed',
  url: `https://github.com/acme/app/pull/${number}`,
  number,
  merged,
});
const resolved = (keys: string[], how: 'gone' | 'fixed', by: string): EventData => ({
  type: 'review.findings_resolved',
  keys,
  how,
  by,
  commit: 'c0ffee00c0ffee00',
});
const noise = (step: number): EventData => ({ type: 'model.error', step, message: 'not read by analytics' });

/** Each session's events after `session.created`, with when they happened. */
export const ANALYTICS_EVENTS: Array<{ sessionId: string; at: string; data: EventData }> = [
  // A: a failing then a passing gate, three findings over two rounds, delivered after 10 minutes; its pull
  // request closed, reopened and merged (the last report counts).
  { sessionId: 'A', at: minutes('2026-11-01T09:00:00.000Z', 2), data: noise(1) },
  { sessionId: 'A', at: minutes('2026-11-01T09:00:00.000Z', 3), data: verdict(1, false) },
  { sessionId: 'A', at: minutes('2026-11-01T09:00:00.000Z', 5), data: verdict(2, true) },
  {
    sessionId: 'A',
    at: minutes('2026-11-01T09:00:00.000Z', 6),
    data: review(1, [finding(1, 'major'), finding(1, 'nit')]),
  },
  { sessionId: 'A', at: minutes('2026-11-01T09:00:00.000Z', 8), data: review(2, [finding(2, 'minor')]) },
  { sessionId: 'A', at: minutes('2026-11-01T09:00:00.000Z', 10), data: delivered() },
  { sessionId: 'A', at: minutes('2026-11-01T09:00:00.000Z', 60), data: closed(1, false) },
  { sessionId: 'A', at: minutes('2026-11-01T09:00:00.000Z', 90), data: closed(1, true) },
  // B: delivered after 30 minutes, its pull request closed unmerged.
  { sessionId: 'B', at: minutes('2026-11-01T10:00:00.000Z', 30), data: delivered() },
  { sessionId: 'B', at: minutes('2026-11-01T10:00:00.000Z', 40), data: closed(2, false) },
  // C: the gate failed twice, then it bowed out.
  { sessionId: 'C', at: minutes('2026-11-01T11:00:00.000Z', 4), data: verdict(1, false) },
  { sessionId: 'C', at: minutes('2026-11-01T11:00:00.000Z', 8), data: verdict(2, false) },
  // D1 (D's attempt): a failing gate and a critical finding, delivered in its own workspace after 15 minutes.
  { sessionId: 'D1', at: minutes('2026-11-02T09:01:00.000Z', 3), data: verdict(1, false) },
  { sessionId: 'D1', at: minutes('2026-11-02T09:01:00.000Z', 5), data: review(1, [finding(1, 'critical')]) },
  { sessionId: 'D1', at: minutes('2026-11-02T09:00:00.000Z', 15), data: delivered() },
  // D: delivered after 20 minutes; its pull request still open. A second turn delivered again later.
  { sessionId: 'D', at: minutes('2026-11-02T09:00:00.000Z', 20), data: delivered() },
  {
    sessionId: 'D',
    at: minutes('2026-11-02T09:00:00.000Z', 25),
    data: { type: 'state.changed', from: 'delivered', to: 'queued' },
  },
  { sessionId: 'D', at: minutes('2026-11-02T09:00:00.000Z', 50), data: delivered() },
  // R: a review session's own findings are not the findings of drydock's changes.
  { sessionId: 'R', at: minutes('2026-11-02T10:00:00.000Z', 5), data: review(1, [finding(1, 'critical')]) },
  // R2 (a pull request's review): a verified major, a major downgraded to minor, a nit, one dropped. A later
  // review found the major and the nit gone; a fix session had fixed the major (counted once).
  {
    sessionId: 'R2',
    at: minutes('2026-11-01T12:00:00.000Z', 5),
    data: review(
      1,
      [
        {
          ...finding(1, 'major'),
          evidence: { command: 'npm test', output: 'FAIL', verified: true, exitCode: 1 },
        },
        {
          ...finding(1, 'minor'),
          downgradedFrom: 'major',
          evidence: { command: 'npm test', output: 'ok', verified: false, exitCode: 1 },
        },
        finding(1, 'nit'),
      ],
      { verified: 1, dropped: 1 },
    ),
  },
  {
    sessionId: 'R2',
    at: minutes('2026-11-01T12:00:00.000Z', 60),
    data: resolved(['k-major'], 'fixed', 'F9'),
  },
  {
    sessionId: 'R2',
    at: minutes('2026-11-01T12:00:00.000Z', 90),
    data: resolved(['k-major', 'k-nit'], 'gone', 'R9'),
  },
  // R3: one nit, and a log claiming three findings resolved: never more acted on than found.
  { sessionId: 'R3', at: minutes('2026-11-03T10:00:00.000Z', 5), data: review(1, [finding(1, 'nit')]) },
  {
    sessionId: 'R3',
    at: minutes('2026-11-03T10:00:00.000Z', 9),
    data: resolved(['k-1', 'k-2', 'k-3'], 'gone', 'R9'),
  },
  // Z: before the range.
  { sessionId: 'Z', at: minutes('2026-10-31T23:59:00.000Z', 5), data: verdict(1, false) },
];

/** The facts as the store gives them for the range: top-level sessions with their trees' analytics events. */
export function analyticsFacts(): SessionFacts[] {
  const rootOf = (id: string): string => ANALYTICS_SESSIONS.find((s) => s.id === id)?.parentId ?? id;
  return ANALYTICS_SESSIONS.filter((s) => s.parentId === undefined).map((s) => ({
    session: s,
    events: ANALYTICS_EVENTS.filter(
      (event) => rootOf(event.sessionId) === s.id && event.data.type !== 'model.error',
    ).map((event, index) => ({ sessionId: event.sessionId, seq: index + 2, at: event.at, data: event.data })),
  }));
}

/** A clock a seeding test sets before each write, so events carry the fixture's times. */
export function settableClock(): Clock & { set(at: string): void } {
  let current = new Date('2026-11-01T00:00:00.000Z');
  return {
    now: () => current,
    set(at) {
      current = new Date(at);
    },
  };
}

/** Writes the fixture into a store opened with `clock`. */
export async function seedAnalytics(store: Store, clock: ReturnType<typeof settableClock>): Promise<void> {
  for (const each of ANALYTICS_SESSIONS) {
    clock.set(each.createdAt);
    await store.createSession(each);
  }
  for (const event of ANALYTICS_EVENTS) {
    clock.set(event.at);
    await store.record(event.sessionId, { events: [event.data] });
  }
}
