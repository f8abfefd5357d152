import { describe, expect, it } from 'vitest';
import { baseModelId, DEFAULT_CONTEXT_WINDOW, lookupModelInfo } from './catalog.ts';
import type { ModelSpec } from './model-spec.ts';

describe('lookupModelInfo', () => {
  it.each<[ModelSpec, number, { inputPerMTok: number; outputPerMTok: number } | null]>([
    [
      { provider: 'anthropic', modelId: 'claude-sonnet-4-5' },
      200_000,
      { inputPerMTok: 3, outputPerMTok: 15 },
    ],
    [
      { provider: 'anthropic', modelId: 'claude-sonnet-4-5-20250929' },
      200_000,
      { inputPerMTok: 3, outputPerMTok: 15 },
    ],
    [{ provider: 'anthropic', modelId: 'claude-opus-4-1' }, 200_000, { inputPerMTok: 15, outputPerMTok: 75 }],
    [{ provider: 'anthropic', modelId: 'claude-haiku-4-5' }, 200_000, { inputPerMTok: 1, outputPerMTok: 5 }],
    [{ provider: 'openai', modelId: 'gpt-5' }, 400_000, { inputPerMTok: 1.25, outputPerMTok: 10 }],
    [{ provider: 'openai', modelId: 'gpt-5-mini' }, 400_000, { inputPerMTok: 0.25, outputPerMTok: 2 }],
    [{ provider: 'openai', modelId: 'gpt-4.1' }, 1_047_576, { inputPerMTok: 2, outputPerMTok: 8 }],
    [{ provider: 'openai', modelId: 'gpt-4.1-nano' }, 1_047_576, { inputPerMTok: 0.1, outputPerMTok: 0.4 }],
    [{ provider: 'openai', modelId: 'gpt-4o-2024-08-06' }, 128_000, { inputPerMTok: 2.5, outputPerMTok: 10 }],
    [{ provider: 'openai', modelId: 'gpt-4o-mini' }, 128_000, { inputPerMTok: 0.15, outputPerMTok: 0.6 }],
    [{ provider: 'openai-compatible', modelId: 'qwen2.5-coder:32b' }, DEFAULT_CONTEXT_WINDOW, null],
    [{ provider: 'openai', modelId: 'gpt-4o-realtime' }, DEFAULT_CONTEXT_WINDOW, null],
    [
      { provider: 'script', modelId: 'demo.json' },
      DEFAULT_CONTEXT_WINDOW,
      { inputPerMTok: 0, outputPerMTok: 0 },
    ],
  ])('%j', (spec, contextWindow, pricing) => {
    expect(lookupModelInfo(spec)).toMatchObject({ contextWindow, pricing });
  });

  it('uses 128k tokens for unknown models', () => {
    expect(DEFAULT_CONTEXT_WINDOW).toBe(128_000);
  });

  it('returns copies, so callers cannot change the table', () => {
    const first = lookupModelInfo({ provider: 'openai', modelId: 'gpt-5' });
    if (first.pricing) first.pricing.inputPerMTok = 999;
    expect(lookupModelInfo({ provider: 'openai', modelId: 'gpt-5' }).pricing?.inputPerMTok).toBe(1.25);
  });
});

describe('baseModelId', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['gpt-4.1-nano', 'gpt-4.1-nano'],
    ['gpt-5', 'gpt-5'],
  ])('%s → %s', (modelId, base) => {
    expect(baseModelId(modelId)).toBe(base);
  });
});
