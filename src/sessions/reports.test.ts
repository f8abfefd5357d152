import { describe, expect, it } from 'vitest';
import { costLine } from './reports.ts';

describe('costLine (the PR description’s cost)', () => {
  it('shows the cached share and the reasoning', () => {
    expect(
      costLine({
        steps: 3,
        model: 'anthropic:claude-sonnet-4-5',
        usage: {
          inputTokens: 53_000,
          outputTokens: 1_000,
          costUsd: 0.03975,
          cacheReadTokens: 50_000,
          cacheWriteTokens: 1_000,
          reasoningTokens: 10,
        },
      }),
    ).toBe(
      '3 model calls, 53000 input (50000 read from cache, 1000 written to cache) and 1000 output (10 reasoning) tokens, $0.0398 (model anthropic:claude-sonnet-4-5).',
    );
  });

  it('says the cost is unknown rather than $0', () => {
    expect(
      costLine({
        steps: 1,
        model: 'openai-compatible:m',
        usage: { inputTokens: 10, outputTokens: 5, costUsd: 0, costUnknown: true },
      }),
    ).toBe('1 model calls, 10 input and 5 output tokens, unknown (model openai-compatible:m).');
  });
});
