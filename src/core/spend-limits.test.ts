import { describe, expect, it } from 'vitest';
import {
  callEstimateUsd,
  describeRefusal,
  isSpendScope,
  limitApplies,
  periodResetsAt,
  periodStart,
  type SpendLimit,
  spendDecision,
  UNKNOWN_PRICE_RESERVATION,
} from './spend-limits.ts';

const limit = (scope: string, amountUsd: number, period: SpendLimit['period'] = 'day'): SpendLimit => ({
  scope,
  period,
  amountUsd,
  source: 'store',
});

describe('spendDecision', () => {
  it.each([
    { spentUsd: 0, estimateUsd: 1, refused: false, why: 'room for the call' },
    { spentUsd: 4, estimateUsd: 1, refused: false, why: 'exactly fills the limit' },
    { spentUsd: 4, estimateUsd: 1.01, refused: true, why: 'the call could overshoot' },
    { spentUsd: 5, estimateUsd: 0, refused: true, why: 'spent: new work is refused' },
    {
      spentUsd: 5.02,
      estimateUsd: 0,
      refused: true,
      why: 'overspent by a call that cost more than reserved',
    },
    { spentUsd: 4.99, estimateUsd: 0, refused: false, why: 'not spent yet' },
  ])('$why', ({ spentUsd, estimateUsd, refused }) => {
    const decision = spendDecision([{ limit: limit('global', 5), spentUsd }], estimateUsd);
    expect(decision !== null).toBe(refused);
  });

  it('names the first limit that refuses', () => {
    const decision = spendDecision(
      [
        { limit: limit('global', 100, 'month'), spentUsd: 10 },
        { limit: limit('repo:acme/app', 5), spentUsd: 4.5 },
        { limit: limit('creator:token:t1', 1), spentUsd: 1 },
      ],
      1,
    );
    expect(decision?.limit.scope).toBe('repo:acme/app');
  });
});

describe('periods (UTC calendar)', () => {
  const now = new Date('2026-12-31T23:59:59.999Z');
  it('a day starts and resets at UTC midnight, a month on the first', () => {
    expect(periodStart('day', now).toISOString()).toBe('2026-12-31T00:00:00.000Z');
    expect(periodResetsAt('day', now).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(periodStart('month', now).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(periodResetsAt('month', now).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(periodResetsAt('month', new Date('2027-01-31T12:00:00Z')).toISOString()).toBe(
      '2027-02-01T00:00:00.000Z',
    );
  });
});

describe('scopes', () => {
  it('reads global, repo: and creator: scopes and applies each to its own subject', () => {
    expect(['global', 'repo:acme/app', 'creator:github:octo'].every(isSpendScope)).toBe(true);
    expect(['', 'repo:', 'team:x', 'Global', 'repo: x'].some(isSpendScope)).toBe(false);
    const subject = { repo: 'acme/app', creator: 'token:t1' };
    expect(limitApplies('global', subject)).toBe(true);
    expect(limitApplies('repo:acme/app', subject)).toBe(true);
    expect(limitApplies('repo:acme/other', subject)).toBe(false);
    expect(limitApplies('creator:token:t1', subject)).toBe(true);
    expect(limitApplies('creator:token:t1', { repo: 'acme/app' })).toBe(false);
  });
});

describe('callEstimateUsd', () => {
  it('prices every input token uncached plus the most output the call may produce', () => {
    expect(callEstimateUsd({ inputPerMTok: 3, outputPerMTok: 15 }, 10_000, 1_000)).toBeCloseTo(0.045);
  });
  it('reserves an unpriced model at the conservative default, and a call without a cap at 8,192 output tokens', () => {
    expect(callEstimateUsd(null, 1_000_000, 0)).toBe(UNKNOWN_PRICE_RESERVATION.inputPerMTok);
    expect(callEstimateUsd({ inputPerMTok: 0, outputPerMTok: 1 }, 0, undefined)).toBeCloseTo(0.008192);
  });
});

it('describes a refusal with the limit, what was spent and when it resets', () => {
  expect(
    describeRefusal({
      limit: limit('repo:acme/app', 5),
      spentUsd: 5.0213,
      resetsAt: '2026-12-06T00:00:00.000Z',
    }),
  ).toBe('daily spend limit for repo acme/app reached: $5.02 of $5.00; resets 2026-12-06 00:00 UTC');
  expect(
    describeRefusal({
      limit: limit('global', 25, 'month'),
      spentUsd: 24,
      estimateUsd: 1.3,
      resetsAt: '2027-01-01T00:00:00.000Z',
    }),
  ).toBe(
    'monthly spend limit has no room for the next model call: $24.00 of $25.00 spent, and the call may cost up to $1.30; resets 2027-01-01 00:00 UTC',
  );
});
