import { describe, expect, it } from 'vitest';
import type { AttemptEvidence } from '../../core/attempts.ts';
import type { EventData } from '../../core/events.ts';
import { ZERO_USAGE } from '../../core/session.ts';
import type { CheckOutcome } from '../../verify/check-outcome.ts';
import { attemptsBowOutText, attemptsText, formatAttempts } from './attempts-report.ts';
import {
  type AttemptRecord,
  attemptEvidence,
  attemptFailure,
  decideChoice,
  isClose,
  rankAttempts,
  regressions,
} from './rank.ts';
import { attemptBudget, rolledUpUsage } from './run-attempts.ts';

const evidence = (id: string, fields: Partial<AttemptEvidence> = {}): AttemptEvidence => ({
  sessionId: id,
  model: 'm',
  state: 'delivered',
  candidate: true,
  why: '',
  failToPass: 1,
  passToPass: 5,
  regressions: 0,
  findings: { critical: 0, major: 0, minor: 0, nit: 0 },
  diff: { files: 1, insertions: 2, deletions: 1 },
  costUsd: 0.1,
  ...fields,
});

const outcome = (name: string, tests: Array<[string, 'passed' | 'failed']>, exitCode = 0): CheckOutcome => ({
  check: { name, kind: 'test', command: 'npm test', source: 'package.json' },
  exitCode,
  timedOut: false,
  durationMs: 1,
  outputTail: '',
  tests: {
    runner: 'node',
    parsed: true,
    tests: tests.map(([id, status]) => ({ id, status })),
    summary: { passed: 0, failed: 0, skipped: 0 },
  },
  diagnostics: null,
});

describe('rankAttempts', () => {
  it('orders candidates by FAIL_TO_PASS, regressions, findings by weight, diff lines, files, cost', () => {
    const table: Array<[string, Partial<AttemptEvidence>, Partial<AttemptEvidence>]> = [
      ['more tests fixed', { failToPass: 2 }, { failToPass: 1 }],
      ['fewer regressions', { regressions: 0 }, { regressions: 1 }],
      [
        'one major outweighs two minor findings',
        { findings: { critical: 0, major: 0, minor: 2, nit: 0 } },
        { findings: { critical: 0, major: 1, minor: 0, nit: 0 } },
      ],
      [
        'fewer lines',
        { diff: { files: 1, insertions: 1, deletions: 1 } },
        { diff: { files: 1, insertions: 30, deletions: 1 } },
      ],
      [
        'fewer files',
        { diff: { files: 1, insertions: 2, deletions: 1 } },
        { diff: { files: 2, insertions: 2, deletions: 1 } },
      ],
      ['lower cost', { costUsd: 0.1 }, { costUsd: 0.2 }],
    ];
    for (const [what, better, worse] of table) {
      // The worse one first: the ranking must turn them round.
      const { ranking } = rankAttempts([evidence('worse', worse), evidence('better', better)]);
      expect(
        ranking.map((e) => e.sessionId),
        what,
      ).toEqual(['better', 'worse']);
    }
  });

  it('keeps non-candidates out of the running, after the candidates, in the order they started', () => {
    const { ranking, close } = rankAttempts([
      evidence('bowed', { candidate: false, state: 'bowed_out', failToPass: 9 }),
      evidence('ok'),
      evidence('failed', { candidate: false, state: 'failed' }),
    ]);
    expect(ranking.map((e) => e.sessionId)).toEqual(['ok', 'bowed', 'failed']);
    expect(ranking[0]?.why).toMatch(/^best on evidence: fixed 1 failing test/);
    expect(close).toEqual([]);
  });

  it('calls candidates close when tests and findings tie and the diffs are about the same size', () => {
    const leader = evidence('a', { diff: { files: 1, insertions: 10, deletions: 10 } });
    expect(isClose(leader, evidence('b', { diff: { files: 2, insertions: 12, deletions: 12 } }))).toBe(true);
    // Cost never separates close candidates.
    expect(isClose(leader, evidence('b', { costUsd: 5, diff: leader.diff }))).toBe(true);
    expect(isClose(leader, evidence('b', { diff: { files: 1, insertions: 20, deletions: 20 } }))).toBe(false);
    expect(isClose(leader, evidence('b', { diff: { files: 3, insertions: 10, deletions: 10 } }))).toBe(false);
    expect(isClose(leader, evidence('b', { failToPass: 2 }))).toBe(false);
    expect(isClose(leader, evidence('b', { findings: { critical: 0, major: 0, minor: 0, nit: 1 } }))).toBe(
      false,
    );
    // Small diffs: a few lines apart is still close.
    expect(isClose(evidence('a'), evidence('b', { diff: { files: 1, insertions: 6, deletions: 2 } }))).toBe(
      true,
    );
    const ranked = rankAttempts([evidence('a'), evidence('b'), evidence('c', { failToPass: 0 })]);
    expect(ranked.close).toEqual(['a', 'b']);
  });
});

describe('decideChoice', () => {
  const judge = { model: 'script:j' };

  it('no candidate: no winner, and why', () => {
    const choice = decideChoice(
      rankAttempts([evidence('a', { candidate: false, state: 'bowed_out' })]),
      null,
      1,
    );
    expect(choice).toMatchObject({
      winnerId: null,
      reason: 'none of the 1 attempt passed both the gate and the review',
    });
  });

  it('a clear leader wins on evidence, without the judge', () => {
    const choice = decideChoice(rankAttempts([evidence('a', { failToPass: 0 }), evidence('b')]), null, 2);
    expect(choice.winnerId).toBe('b');
    expect(choice.reason).toMatch(
      /^b has the best evidence \(fixed 1 failing test.*; next: fixed 0 failing tests/,
    );
    expect(choice.judge).toBeUndefined();
  });

  it("close candidates: the judge's pick wins, first in the ranking, with its words", () => {
    const ranked = rankAttempts([evidence('a'), evidence('b')]);
    const choice = decideChoice(
      ranked,
      { kind: 'chosen', sessionId: 'b', verdict: 'b is clearer', ...judge },
      2,
    );
    expect(choice.winnerId).toBe('b');
    expect(choice.ranking.map((e) => e.sessionId)).toEqual(['b', 'a']);
    expect(choice.judge).toEqual({ model: 'script:j', verdict: 'b is clearer' });
    expect(choice.reason).toContain('the judge chose b: b is clearer');
  });

  it('a failed judge, or one naming no candidate, falls back to the evidence and says so', () => {
    const ranked = rankAttempts([evidence('a', { costUsd: 0.3 }), evidence('b', { costUsd: 0.2 })]);
    const failed = decideChoice(ranked, { kind: 'failed', reason: 'no answer', ...judge }, 2);
    expect(failed.winnerId).toBe('b');
    expect(failed.reason).toContain('the judge failed (no answer), so the evidence ranking decides: b');
    expect(failed.judge).toBeUndefined();
    const stray = decideChoice(ranked, { kind: 'chosen', sessionId: 'zz', verdict: 'zz', ...judge }, 2);
    expect(stray.winnerId).toBe('b');
    expect(stray.reason).toContain('the judge named zz, which is not one of them');
  });
});

describe('attemptEvidence', () => {
  const session = {
    id: 's1',
    model: 'script:a',
    state: 'delivered' as const,
    reason: null,
    usage: { ...ZERO_USAGE, costUsd: 0.5 },
    headCommit: 'abc',
  };
  const events: EventData[] = [
    {
      type: 'gate.verdict',
      round: 1,
      passed: false,
      problems: ['broke x'],
      warnings: [],
      failToPass: [],
      passToPass: 0,
    },
    {
      type: 'gate.verdict',
      round: 2,
      passed: true,
      problems: [],
      warnings: [],
      failToPass: ['t1', 't2'],
      passToPass: 3,
    },
    {
      type: 'review.completed',
      round: 1,
      approved: false,
      summary: '',
      findings: [{ id: 'R1-1', round: 1, file: 'a.js', severity: 'major', explanation: 'bad' }],
    },
    {
      type: 'review.completed',
      round: 2,
      approved: true,
      summary: '',
      findings: [{ id: 'R2-1', round: 2, file: 'a.js', severity: 'nit', explanation: 'name' }],
    },
    { type: 'delivery.committed', commit: 'abc', filesChanged: 2, insertions: 5, deletions: 1 },
  ];

  it("reads the last gate verdict, the last review's findings, the diff stat and the cost", () => {
    const record: AttemptRecord = { number: 1, session, events, gate: null };
    expect(attemptEvidence(record)).toMatchObject({
      candidate: true,
      failToPass: 2,
      passToPass: 3,
      findings: { critical: 0, major: 0, minor: 0, nit: 1 },
      diff: { files: 2, insertions: 5, deletions: 1 },
      costUsd: 0.5,
    });
  });

  it('an attempt that did not deliver is no candidate; its failure names the reason, problems and findings', () => {
    const record: AttemptRecord = {
      number: 2,
      session: {
        ...session,
        state: 'bowed_out',
        reason: 'the reviewer still has 1 major finding',
        headCommit: null,
      },
      events: [events[0]!, events[2]!],
      gate: null,
    };
    expect(attemptEvidence(record)).toMatchObject({
      candidate: false,
      why: 'bowed out (the gate failed): the reviewer still has 1 major finding',
    });
    expect(attemptFailure(record)).toEqual({
      sessionId: 's1',
      number: 2,
      model: 'script:a',
      state: 'bowed_out',
      reason: 'the reviewer still has 1 major finding',
      problems: ['broke x'],
      findings: ['major a.js: bad'],
    });
  });

  it('counts regressions per test from the checkpoint, else per check from the log', () => {
    const gate = {
      baseline: [
        outcome(
          'test',
          [
            ['a', 'passed'],
            ['b', 'passed'],
            ['c', 'failed'],
          ],
          1,
        ),
      ],
      lastAfter: [
        outcome(
          'test',
          [
            ['a', 'failed'],
            ['c', 'passed'],
          ],
          1,
        ),
      ],
    };
    // a fails now, b is gone: two regressions; c was fixed.
    expect(regressions({ events: [], gate })).toBe(2);
    const summary = (exitCode: number, failed: number | null) => ({
      name: 'test',
      command: 'npm test',
      exitCode,
      timedOut: false,
      tests: failed === null ? null : { passed: 3, failed, skipped: 0 },
      diagnostics: null,
      durationMs: 1,
      outputTail: '',
    });
    const logged = (before: ReturnType<typeof summary>, after: ReturnType<typeof summary>): EventData[] => [
      { type: 'checks.completed', phase: 'baseline', round: 0, checks: [before] },
      { type: 'checks.completed', phase: 'after', round: 1, checks: [after] },
    ];
    expect(regressions({ events: logged(summary(1, 1), summary(1, 3)), gate: null })).toBe(2);
    expect(regressions({ events: logged(summary(0, null), summary(1, null)), gate: null })).toBe(1);
    expect(regressions({ events: logged(summary(1, 2), summary(0, 0)), gate: null })).toBe(0);
  });
});

describe('the parent’s budget and usage', () => {
  it('shares the cost budget (and an explicit friend cap) between attempts; steps and tokens stay', () => {
    const budget = {
      maxSteps: 60,
      maxWallTimeMs: 1000,
      maxTokens: 10,
      maxCostUsd: 9,
      maxRepeatedFailures: 3,
      maxFriendConsults: 5,
    };
    expect(attemptBudget(budget, 3)).toEqual({ ...budget, maxCostUsd: 3 });
    expect(attemptBudget({ ...budget, maxFriendCostUsd: 3 }, 3)).toEqual({
      ...budget,
      maxCostUsd: 3,
      maxFriendCostUsd: 1,
    });
  });

  it("sums its attempts' usage and its own", () => {
    const usage = (costUsd: number, inputTokens: number) => ({ ...ZERO_USAGE, costUsd, inputTokens });
    expect(rolledUpUsage([{ usage: usage(1, 10) }, { usage: usage(2, 20) }], usage(0.5, 1))).toEqual(
      usage(3.5, 31),
    );
  });
});

describe('the reports', () => {
  const choice = decideChoice(
    rankAttempts([
      evidence('a'),
      evidence('b', {
        candidate: false,
        state: 'bowed_out',
        why: 'bowed out: the gate failed',
        regressions: 1,
      }),
    ]),
    null,
    2,
  );

  it('the PR section says how many ran and why this one, with the ranking', () => {
    const text = attemptsText(choice);
    expect(text).toContain('2 attempts ran; 1 attempt passed the gate and the review.');
    expect(text).toContain('**Why this one:** a is the only attempt that passed the gate and the review');
    expect(text).toContain('| `b` | m | bowed out | 1 | 5 | 1 | none | +2 -1 (1 file) | $0.1000 |');
  });

  it('drydock show lists the attempts side by side and marks the delivered one', () => {
    const text = formatAttempts(choice);
    expect(text).toMatch(/\* a\s+m\s+candidate\s+1\s+5\s+0\s+none\s+\+2 -1 \(1 file\)\s+\$0\.1000/);
    expect(text).toContain('chosen: a is the only attempt');
    expect(text).toContain('  b: bowed out: the gate failed');
  });

  it('a bow-out covers every attempt that failed', () => {
    const text = attemptsBowOutText({
      choice: {
        ...choice,
        winnerId: null,
        reason: 'none of the 2 attempts passed both the gate and the review',
      },
      failures: [
        {
          sessionId: 'b',
          number: 2,
          model: 'm',
          state: 'bowed_out',
          reason: 'gave up',
          problems: ['broke x'],
          findings: [],
        },
      ],
      responses: [],
    });
    expect(text).toContain('### Attempt 2: `b` (m), bowed out');
    expect(text).toContain('**Why:** gave up');
    expect(text).toContain("The gate's problems:\n- broke x");
  });
});
