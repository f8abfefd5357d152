import { describe, expect, it } from 'vitest';
import { addUsage, describeCost, ZERO_USAGE } from './session.ts';

describe('addUsage', () => {
  it('sums the breakdown and keeps an unknown price unknown', () => {
    const priced = {
      inputTokens: 100,
      outputTokens: 10,
      costUsd: 0.5,
      cacheReadTokens: 60,
      cacheWriteTokens: 40,
    };
    const unpriced = {
      inputTokens: 5,
      outputTokens: 5,
      costUsd: 0,
      reasoningTokens: 3,
      costUnknown: true as const,
    };
    expect(addUsage(priced, unpriced)).toEqual({
      inputTokens: 105,
      outputTokens: 15,
      costUsd: 0.5,
      cacheReadTokens: 60,
      cacheWriteTokens: 40,
      reasoningTokens: 3,
      costUnknown: true,
    });
  });

  it('adds no breakdown fields that are zero, so old usage stays the shape it was', () => {
    expect(addUsage(ZERO_USAGE, { inputTokens: 1, outputTokens: 2, costUsd: 0 })).toEqual({
      inputTokens: 1,
      outputTokens: 2,
      costUsd: 0,
    });
  });
});

describe('describeCost', () => {
  it.each([
    [{ costUsd: 0.0123 }, '$0.0123'],
    [{ costUsd: 0 }, '$0.0000'],
    [{ costUsd: 0, costUnknown: true as const }, 'unknown'],
    [{ costUsd: 0.5, costUnknown: true as const }, '$0.5000 + unknown'],
  ])('%j → %s', (usage, text) => {
    expect(describeCost(usage)).toBe(text);
  });
});
