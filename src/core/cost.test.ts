import { describe, expect, it } from 'vitest';
import { callCostUsd, callUsage } from './cost.ts';
import type { ModelPricing } from './ports/models.ts';

// List prices, USD per million tokens (Anthropic's and OpenAI's pricing pages).
const sonnet45: ModelPricing = {
  inputPerMTok: 3,
  outputPerMTok: 15,
  cacheReadPerMTok: 0.3,
  cacheWritePerMTok: 3.75,
};
const gpt5: ModelPricing = { inputPerMTok: 1.25, outputPerMTok: 10, cacheReadPerMTok: 0.125 };

describe('callCostUsd', () => {
  it('prices each kind of Anthropic input at its own rate', () => {
    // 53,000 input tokens: 2,000 fresh, 50,000 read from the cache, 1,000 written to it; 1,000 out.
    const tokens = {
      inputTokens: 53_000,
      cacheReadTokens: 50_000,
      cacheWriteTokens: 1_000,
      outputTokens: 1_000,
      reasoningTokens: 0,
    };
    // 2,000 × $3 + 50,000 × $0.30 + 1,000 × $3.75 + 1,000 × $15, per million.
    expect(callCostUsd(tokens, sonnet45)).toBeCloseTo(0.03975, 10);
    // Priced as if every input token were fresh, it would be over four times as much.
    expect(callCostUsd(tokens, { inputPerMTok: 3, outputPerMTok: 15 })).toBeCloseTo(0.174, 10);
  });

  it('prices OpenAI cached input at its cached price and reasoning as output', () => {
    const tokens = {
      inputTokens: 10_000,
      cacheReadTokens: 8_000,
      cacheWriteTokens: 0,
      outputTokens: 500,
      reasoningTokens: 200,
    };
    // 2,000 × $1.25 + 8,000 × $0.125 + 500 × $10, per million.
    expect(callCostUsd(tokens, gpt5)).toBeCloseTo(0.0085, 10);
  });

  it('prices cache tokens as input when the model has no cache prices', () => {
    const tokens = {
      inputTokens: 1_000,
      cacheReadTokens: 600,
      cacheWriteTokens: 400,
      outputTokens: 0,
      reasoningTokens: 0,
    };
    expect(callCostUsd(tokens, { inputPerMTok: 2, outputPerMTok: 8 })).toBeCloseTo(0.002, 10);
  });
});

describe('callUsage', () => {
  it('keeps the breakdown, and says when the price is unknown instead of counting $0', () => {
    const tokens = {
      inputTokens: 100,
      cacheReadTokens: 80,
      cacheWriteTokens: 0,
      outputTokens: 10,
      reasoningTokens: 4,
    };
    expect(callUsage(tokens, null)).toEqual({
      inputTokens: 100,
      outputTokens: 10,
      costUsd: 0,
      cacheReadTokens: 80,
      reasoningTokens: 4,
      costUnknown: true,
    });
    expect(callUsage({ ...tokens, cacheReadTokens: 0, reasoningTokens: 0 }, gpt5)).toEqual({
      inputTokens: 100,
      outputTokens: 10,
      costUsd: (100 * 1.25 + 10 * 10) / 1_000_000,
    });
  });
});
