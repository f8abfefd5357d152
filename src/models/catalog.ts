import { createRequire } from 'node:module';
import type * as GenaiPrices from '@pydantic/genai-prices';
import { BadInputError } from '../core/errors.ts';
import type { ModelPricing } from '../core/ports/models.ts';
import { formatModelSpec, type ModelSpec } from './model-spec.ts';
import type { ModelOverride, PriceOverrides } from './price-overrides.ts';

export interface ModelInfo {
  contextWindow: number;
  /** The longest reply the model can give; absent when unknown (the provider's default applies). */
  maxOutputTokens?: number;
  pricing: ModelPricing | null;
}

/** For models we know nothing about: small enough that compaction starts in time on most models. */
export const DEFAULT_CONTEXT_WINDOW = 128_000;

const SCRIPT_MODEL_INFO: ModelInfo = {
  contextWindow: DEFAULT_CONTEXT_WINDOW,
  pricing: { inputPerMTok: 0, outputPerMTok: 0 },
};

/**
 * Which of the catalog's providers prices a spec. An OpenAI-compatible server serving a model that
 * OpenAI or Anthropic sell (a proxy) is priced like it; any other model it serves has no known price.
 */
const CATALOG_PROVIDERS: Readonly<Record<Exclude<ModelSpec['provider'], 'script'>, readonly string[]>> = {
  anthropic: ['anthropic'],
  openai: ['openai'],
  'openai-compatible': ['openai', 'anthropic'],
};

/**
 * The longest reply each model can give (published limits), asked for on every call so a long edit is
 * not cut short by a provider's lower default. The price catalog does not carry it.
 */
const MAX_OUTPUT_TOKENS: Readonly<Record<string, number>> = {
  'claude-opus-4-5': 64_000,
  'claude-opus-4-1': 32_000,
  'claude-opus-4': 32_000,
  'claude-sonnet-4-5': 64_000,
  'claude-sonnet-4': 64_000,
  'claude-haiku-4-5': 64_000,
  'claude-3-5-haiku': 8_192,
  'gpt-5': 128_000,
  'gpt-5-mini': 128_000,
  'gpt-5-nano': 128_000,
  'gpt-4.1': 32_768,
  'gpt-4.1-mini': 32_768,
  'gpt-4.1-nano': 32_768,
  'gpt-4o': 16_384,
  'gpt-4o-mini': 16_384,
  o3: 100_000,
  'o4-mini': 100_000,
};

/**
 * Strips a dated snapshot or alias suffix (`claude-sonnet-4-5-20250929`, `gpt-4o-2024-08-06`,
 * `claude-3-5-haiku-latest`) so snapshots share their family's entry. Prefix matching would be
 * wrong: `gpt-4.1-nano` is not priced like `gpt-4.1`.
 */
export function baseModelId(modelId: string): string {
  return modelId.replace(/-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$/, '');
}

let catalogModule: typeof GenaiPrices | undefined;

/**
 * The catalog, loaded on first use: parsing it takes about 100 ms, which CLI commands that never
 * resolve a model (`drydock sessions`, `show`) should not pay.
 */
function catalog(): typeof GenaiPrices {
  catalogModule ??= createRequire(import.meta.url)('@pydantic/genai-prices') as typeof GenaiPrices;
  return catalogModule;
}

/** A price from the catalog: a number, or tiers by prompt size whose base applies below the first tier. */
function basePrice(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'base' in value && typeof value.base === 'number') {
    return value.base;
  }
  return undefined;
}

/**
 * Context window and list prices from `@pydantic/genai-prices` (a maintained public catalog of the
 * providers' published prices, cache reads and 5-minute cache writes included). Prompts above 200k
 * tokens, which some models price higher, are priced at the base rate: drydock compacts long before.
 */
function fromCatalog(spec: ModelSpec & { provider: keyof typeof CATALOG_PROVIDERS }): Partial<ModelInfo> {
  for (const providerId of CATALOG_PROVIDERS[spec.provider]) {
    const found = catalog().calcPrice({ input_tokens: 0, output_tokens: 0 }, spec.modelId, { providerId });
    if (found === null) continue;
    const prices = found.model_price;
    const input = basePrice(prices.input_mtok);
    const output = basePrice(prices.output_mtok);
    const cacheRead = basePrice(prices.cache_read_mtok);
    const cacheWrite = basePrice(prices.cache_write_mtok);
    const pricing: ModelPricing | null =
      input === undefined || output === undefined
        ? null
        : {
            inputPerMTok: input,
            outputPerMTok: output,
            ...(cacheRead === undefined ? {} : { cacheReadPerMTok: cacheRead }),
            ...(cacheWrite === undefined ? {} : { cacheWritePerMTok: cacheWrite }),
          };
    const contextWindow = found.model.context_window;
    return { pricing, ...(contextWindow === undefined ? {} : { contextWindow }) };
  }
  return {};
}

/** The override for a spec: by `provider:model` first, then by bare model id. */
function overrideFor(spec: ModelSpec, overrides: PriceOverrides): ModelOverride | undefined {
  return overrides.models[formatModelSpec(spec)] ?? overrides.models[spec.modelId];
}

function applyOverride(
  spec: ModelSpec,
  info: ModelInfo,
  override: ModelOverride,
  overrides: PriceOverrides,
): ModelInfo {
  const { contextWindow, maxOutputTokens, ...price } = override;
  let pricing = info.pricing;
  if (Object.keys(price).length > 0) {
    const merged = { ...pricing, ...price };
    if (merged.inputPerMTok === undefined || merged.outputPerMTok === undefined) {
      throw new BadInputError(
        'invalid_model_prices',
        `${overrides.source}: ${formatModelSpec(spec)} has no catalog price, so its entry needs both inputPerMTok and outputPerMTok`,
        { details: { file: overrides.source, spec: formatModelSpec(spec) } },
      );
    }
    pricing = { ...merged, inputPerMTok: merged.inputPerMTok, outputPerMTok: merged.outputPerMTok };
  }
  return {
    contextWindow: contextWindow ?? info.contextWindow,
    ...((maxOutputTokens ?? info.maxOutputTokens) === undefined
      ? {}
      : { maxOutputTokens: maxOutputTokens ?? info.maxOutputTokens }),
    pricing,
  };
}

/**
 * Context window, longest reply and prices for a model: the catalog, then the operator's overrides
 * (`DRYDOCK_MODEL_PRICES`, see price-overrides.ts). A model neither knows gets
 * {@link DEFAULT_CONTEXT_WINDOW} and null pricing: its cost is unknown, never $0. Throws
 * `invalid_model_prices` for an override that prices an unpriced model only in part.
 */
export function lookupModelInfo(spec: ModelSpec, overrides?: PriceOverrides): ModelInfo {
  if (spec.provider === 'script')
    return { ...SCRIPT_MODEL_INFO, pricing: { inputPerMTok: 0, outputPerMTok: 0 } };
  const known = fromCatalog({ ...spec, provider: spec.provider });
  const maxOutputTokens = MAX_OUTPUT_TOKENS[baseModelId(spec.modelId)];
  const info: ModelInfo = {
    contextWindow: known.contextWindow ?? DEFAULT_CONTEXT_WINDOW,
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    pricing: known.pricing ?? null,
  };
  const override = overrides && overrideFor(spec, overrides);
  return override && overrides ? applyOverride(spec, info, override, overrides) : info;
}
