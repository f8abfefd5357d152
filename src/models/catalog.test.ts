import { describe, expect, it } from 'vitest';
import { isBadInput } from '../core/errors.ts';
import type { ModelPricing } from '../core/ports/models.ts';
import { baseModelId, DEFAULT_CONTEXT_WINDOW, lookupModelInfo } from './catalog.ts';
import type { ModelSpec } from './model-spec.ts';
import { parsePriceOverrides } from './price-overrides.ts';

const anthropic = (modelId: string): ModelSpec => ({ provider: 'anthropic', modelId });
const openai = (modelId: string): ModelSpec => ({ provider: 'openai', modelId });

describe('lookupModelInfo: the providers’ published prices', () => {
  // USD per million tokens from the providers' pricing pages: Anthropic's cache reads are 0.1x input
  // and 5-minute cache writes 1.25x; OpenAI's cached input has its own price and no write charge.
  it.each<[ModelSpec, number, ModelPricing | null, number | undefined]>([
    [
      anthropic('claude-sonnet-4-5'),
      200_000,
      { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 },
      64_000,
    ],
    [
      anthropic('claude-sonnet-4-5-20250929'),
      200_000,
      { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 },
      64_000,
    ],
    [
      anthropic('claude-opus-4-5'),
      200_000,
      { inputPerMTok: 5, outputPerMTok: 25, cacheReadPerMTok: 0.5, cacheWritePerMTok: 6.25 },
      64_000,
    ],
    [
      anthropic('claude-opus-4-1'),
      200_000,
      { inputPerMTok: 15, outputPerMTok: 75, cacheReadPerMTok: 1.5, cacheWritePerMTok: 18.75 },
      32_000,
    ],
    [
      anthropic('claude-haiku-4-5'),
      200_000,
      { inputPerMTok: 1, outputPerMTok: 5, cacheReadPerMTok: 0.1, cacheWritePerMTok: 1.25 },
      64_000,
    ],
    [openai('gpt-5'), 400_000, { inputPerMTok: 1.25, outputPerMTok: 10, cacheReadPerMTok: 0.125 }, 128_000],
    [
      openai('gpt-5-mini'),
      400_000,
      { inputPerMTok: 0.25, outputPerMTok: 2, cacheReadPerMTok: 0.025 },
      128_000,
    ],
    [
      openai('gpt-4.1-nano'),
      1_000_000,
      { inputPerMTok: 0.1, outputPerMTok: 0.4, cacheReadPerMTok: 0.025 },
      32_768,
    ],
    [
      openai('gpt-4o-2024-08-06'),
      128_000,
      { inputPerMTok: 2.5, outputPerMTok: 10, cacheReadPerMTok: 1.25 },
      16_384,
    ],
    [openai('o4-mini'), 200_000, { inputPerMTok: 1.1, outputPerMTok: 4.4, cacheReadPerMTok: 0.275 }, 100_000],
    // A proxy serving a model OpenAI or Anthropic sell is priced like it; anything else is unknown.
    [
      { provider: 'openai-compatible', modelId: 'gpt-4o-mini' },
      128_000,
      { inputPerMTok: 0.15, outputPerMTok: 0.6, cacheReadPerMTok: 0.075 },
      16_384,
    ],
    [
      { provider: 'openai-compatible', modelId: 'claude-haiku-4-5' },
      200_000,
      { inputPerMTok: 1, outputPerMTok: 5, cacheReadPerMTok: 0.1, cacheWritePerMTok: 1.25 },
      64_000,
    ],
    [
      { provider: 'openai-compatible', modelId: 'qwen2.5-coder:32b' },
      DEFAULT_CONTEXT_WINDOW,
      null,
      undefined,
    ],
    [anthropic('claude-made-up-9'), DEFAULT_CONTEXT_WINDOW, null, undefined],
    [
      { provider: 'script', modelId: 'demo.json' },
      DEFAULT_CONTEXT_WINDOW,
      { inputPerMTok: 0, outputPerMTok: 0 },
      undefined,
    ],
  ])('%j', (spec, contextWindow, pricing, maxOutputTokens) => {
    const info = lookupModelInfo(spec);
    expect(info.contextWindow).toBe(contextWindow);
    expect(info.pricing).toEqual(pricing);
    expect(info.maxOutputTokens).toBe(maxOutputTokens);
  });

  it.each(['claude-opus-4-5', 'claude-opus-4-1', 'claude-sonnet-4-5', 'claude-sonnet-4', 'claude-haiku-4-5'])(
    '%s: cache reads cost 0.1x input, 5-minute cache writes 1.25x',
    (modelId) => {
      const pricing = lookupModelInfo(anthropic(modelId)).pricing;
      if (pricing === null) throw new Error(`${modelId} has no price`);
      expect(pricing.cacheReadPerMTok).toBeCloseTo(pricing.inputPerMTok * 0.1, 10);
      expect(pricing.cacheWritePerMTok).toBeCloseTo(pricing.inputPerMTok * 1.25, 10);
    },
  );

  it('returns copies, so callers cannot change the catalog', () => {
    const first = lookupModelInfo(openai('gpt-5'));
    if (first.pricing) first.pricing.inputPerMTok = 999;
    expect(lookupModelInfo(openai('gpt-5')).pricing?.inputPerMTok).toBe(1.25);
  });
});

describe('lookupModelInfo: overrides (DRYDOCK_MODEL_PRICES)', () => {
  const overrides = parsePriceOverrides(
    JSON.stringify({
      'openai-compatible:qwen2.5-coder:32b': {
        inputPerMTok: 0,
        outputPerMTok: 0,
        contextWindow: 32_768,
        maxOutputTokens: 8_192,
      },
      'claude-sonnet-4-5': { inputPerMTok: 2.7 },
      'anthropic:claude-sonnet-4-5': { outputPerMTok: 13.5 },
      'my-model': { contextWindow: 64_000 },
      'half-priced': { inputPerMTok: 1 },
    }),
    'prices.json',
  );

  it('prices a model the catalog does not know', () => {
    expect(
      lookupModelInfo({ provider: 'openai-compatible', modelId: 'qwen2.5-coder:32b' }, overrides),
    ).toEqual({
      contextWindow: 32_768,
      maxOutputTokens: 8_192,
      pricing: { inputPerMTok: 0, outputPerMTok: 0 },
    });
  });

  it('changes only what it names, the provider:model entry before the bare id', () => {
    expect(lookupModelInfo(anthropic('claude-sonnet-4-5'), overrides).pricing).toEqual({
      inputPerMTok: 3,
      outputPerMTok: 13.5,
      cacheReadPerMTok: 0.3,
      cacheWritePerMTok: 3.75,
    });
    expect(
      lookupModelInfo({ provider: 'openai-compatible', modelId: 'claude-sonnet-4-5' }, overrides).pricing,
    ).toMatchObject({ inputPerMTok: 2.7, outputPerMTok: 15 });
  });

  it('leaves an unknown price unknown when the override gives none', () => {
    expect(lookupModelInfo({ provider: 'openai-compatible', modelId: 'my-model' }, overrides)).toEqual({
      contextWindow: 64_000,
      pricing: null,
    });
  });

  it('refuses half a price for a model the catalog does not price', () => {
    let error: unknown;
    try {
      lookupModelInfo({ provider: 'openai-compatible', modelId: 'half-priced' }, overrides);
    } catch (caught) {
      error = caught;
    }
    expect(isBadInput(error, 'invalid_model_prices')).toBe(true);
    expect((error as Error).message).toContain('needs both inputPerMTok and outputPerMTok');
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
