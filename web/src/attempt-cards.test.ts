import { describe, expect, it } from 'vitest';
import { attemptCards, describeFindings } from './attempt-cards.ts';
import type { AttemptEvidence, AttemptsChoice, SessionChild } from './types.ts';

const child = (id: string, overrides: Partial<SessionChild> = {}): SessionChild => ({
  id,
  state: 'delivered',
  task: 'fix it',
  kind: 'attempt',
  parentId: 'p',
  repo: '/repos/app',
  ref: 'main',
  baseCommit: null,
  headCommit: null,
  branch: null,
  model: `m:${id}`,
  steps: 0,
  usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
  summary: null,
  reason: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  children: 0,
  integrated: null,
  digest: { outcome: null, gate: null, review: null, diff: null },
  ...overrides,
});

const evidence = (sessionId: string, overrides: Partial<AttemptEvidence> = {}): AttemptEvidence => ({
  sessionId,
  model: `m:${sessionId}`,
  state: 'delivered',
  candidate: true,
  why: 'a candidate',
  failToPass: 1,
  passToPass: 4,
  regressions: 0,
  findings: { critical: 0, major: 0, minor: 0, nit: 2 },
  diff: { files: 1, insertions: 2, deletions: 0 },
  costUsd: 0.1,
  ...overrides,
});

describe('attemptCards', () => {
  it('keeps the planned order before the choice, with cards for attempts not started yet', () => {
    const cards = attemptCards(
      { attemptModels: ['m:a', 'm:b', 'm:c'] },
      [
        child('a', { state: 'bowed_out', reason: 'the gate failed' }),
        child('b', {
          state: 'verifying',
          digest: {
            outcome: { kind: 'finished', detail: '' },
            gate: {
              round: 1,
              passed: false,
              failToPass: 0,
              passToPass: 3,
              problems: ['npm test: still failing'],
            },
            review: null,
            diff: null,
          },
        }),
      ],
      null,
    );
    expect(cards.map((c) => [c.number, c.model, c.child?.id ?? null, c.whyNot])).toEqual([
      [1, 'm:a', 'a', 'the gate failed'],
      [2, 'm:b', 'b', null],
      [3, 'm:c', null, null],
    ]);
    expect(cards[1]).toMatchObject({
      failToPass: 0,
      regressions: null,
      problems: ['npm test: still failing'],
    });
  });

  it("orders by the choice's ranking, marks the winner and takes the evidence's counts", () => {
    const choice: AttemptsChoice = {
      winnerId: 'b',
      reason: 'fixed it without regressions',
      ranking: [
        evidence('b'),
        evidence('a', { candidate: false, why: 'regressed 2 tests', regressions: 2, state: 'bowed_out' }),
      ],
    };
    const cards = attemptCards({ attemptModels: ['m:a', 'm:b'] }, [child('a'), child('b')], choice);
    expect(cards.map((c) => [c.number, c.rank, c.winner, c.whyNot])).toEqual([
      [2, 1, true, null],
      [1, 2, false, 'regressed 2 tests'],
    ]);
    expect(cards[1]).toMatchObject({ regressions: 2, findings: { nit: 2 }, diff: { files: 1 } });
  });

  it('says each failure when no attempt qualified', () => {
    const choice: AttemptsChoice = {
      winnerId: null,
      reason: 'no attempt passed the gate and the review',
      ranking: [
        evidence('a', { candidate: false, why: 'deleted the failing test' }),
        evidence('b', { candidate: false, why: 'gave up' }),
      ],
    };
    const cards = attemptCards({}, [child('a'), child('b')], choice);
    expect(cards.map((c) => [c.winner, c.whyNot])).toEqual([
      [false, 'deleted the failing test'],
      [false, 'gave up'],
    ]);
  });

  it('says findings by severity, zeros left out', () => {
    expect(describeFindings({ critical: 0, major: 1, minor: 0, nit: 2 })).toBe('1 major · 2 nit');
    expect(describeFindings({ critical: 0, major: 0, minor: 0, nit: 0 })).toBe('none');
  });
});
