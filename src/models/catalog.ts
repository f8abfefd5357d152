import type { ModelPricing } from '../core/ports/models.ts';
import type { ModelSpec } from './model-spec.ts';

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

function info(contextWindow: number, inputPerMTok: number, outputPerMTok: number): ModelInfo {
  return { contextWindow, pricing: { inputPerMTok, outputPerMTok } };
}

/**
 * List prices (USD per million tokens, standard tier, no caching) and context windows as published
 * by the providers in late 2025. Keyed by bare model id, so an OpenAI-compatible proxy serving the
 * same model is priced the same.
 */
const CATALOG: Readonly<Record<string, ModelInfo>> = {
  'claude-opus-4-5': info(200_000, 5, 25),
  'claude-opus-4-1': info(200_000, 15, 75),
  'claude-opus-4': info(200_000, 15, 75),
  'claude-sonnet-4-5': info(200_000, 3, 15),
  'claude-sonnet-4': info(200_000, 3, 15),
  'claude-haiku-4-5': info(200_000, 1, 5),
  'claude-3-5-haiku': info(200_000, 0.8, 4),
  'gpt-5': info(400_000, 1.25, 10),
  'gpt-5-mini': info(400_000, 0.25, 2),
  'gpt-5-nano': info(400_000, 0.05, 0.4),
  'gpt-4.1': info(1_047_576, 2, 8),
  'gpt-4.1-mini': info(1_047_576, 0.4, 1.6),
  'gpt-4.1-nano': info(1_047_576, 0.1, 0.4),
  'gpt-4o': info(128_000, 2.5, 10),
  'gpt-4o-mini': info(128_000, 0.15, 0.6),
  o3: info(200_000, 2, 8),
  'o4-mini': info(200_000, 1.1, 4.4),
};

/**
 * The longest reply each model can give (published limits), asked for on every call so a long edit is
 * not cut short by a provider's lower default.
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

/** Context window and pricing; unknown models get {@link DEFAULT_CONTEXT_WINDOW} and null pricing. */
export function lookupModelInfo(spec: ModelSpec): ModelInfo {
  const known = spec.provider === 'script' ? SCRIPT_MODEL_INFO : CATALOG[baseModelId(spec.modelId)];
  if (known === undefined) return { contextWindow: DEFAULT_CONTEXT_WINDOW, pricing: null };
  const maxOutputTokens =
    spec.provider === 'script' ? undefined : MAX_OUTPUT_TOKENS[baseModelId(spec.modelId)];
  // A copy, so a caller adjusting its pricing cannot change the table.
  return {
    contextWindow: known.contextWindow,
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    pricing: known.pricing && { ...known.pricing },
  };
}
