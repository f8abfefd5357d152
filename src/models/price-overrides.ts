import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BadInputError } from '../core/errors.ts';
import type { ModelEnv } from './providers.ts';

const perMTok = z.number().nonnegative().finite();
const tokens = z.number().int().positive();

const modelOverride = z.strictObject({
  contextWindow: tokens.optional(),
  maxOutputTokens: tokens.optional(),
  inputPerMTok: perMTok.optional(),
  outputPerMTok: perMTok.optional(),
  cacheReadPerMTok: perMTok.optional(),
  cacheWritePerMTok: perMTok.optional(),
});

/** What an operator says about one model; every field optional, the rest comes from the catalog. */
export type ModelOverride = z.infer<typeof modelOverride>;

/** Keyed by `provider:model` (`openai-compatible:qwen2.5-coder:32b`) or a bare model id (`gpt-5`). */
const overridesFile = z.record(z.string().min(1), modelOverride);

export interface PriceOverrides {
  /** Where they came from, for error messages. */
  source: string;
  models: Readonly<Record<string, ModelOverride>>;
}

/**
 * Reads a prices override document (JSON: `{ "<provider:model or model id>": { contextWindow?,
 * maxOutputTokens?, inputPerMTok?, outputPerMTok?, cacheReadPerMTok?, cacheWritePerMTok? } }`), for a
 * custom deployment, a negotiated price or a model the catalog does not know yet. Throws
 * `invalid_model_prices` naming the source and the path of the problem.
 */
export function parsePriceOverrides(text: string, source: string): PriceOverrides {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BadInputError('invalid_model_prices', `${source} is not JSON: ${(error as Error).message}`, {
      cause: error,
      details: { file: source },
    });
  }
  const parsed = overridesFile.safeParse(json);
  if (!parsed.success) {
    throw new BadInputError('invalid_model_prices', `${source}: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
      details: { file: source, issues: parsed.error.issues },
    });
  }
  return { source, models: parsed.data };
}

/** The file `DRYDOCK_MODEL_PRICES` names, or undefined when it is unset. */
export function loadPriceOverrides(env: ModelEnv): PriceOverrides | undefined {
  const path = env.DRYDOCK_MODEL_PRICES?.trim();
  if (path === undefined || path === '') return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BadInputError(
      'invalid_model_prices',
      `DRYDOCK_MODEL_PRICES names ${path}, which cannot be read: ${(error as Error).message}`,
      { cause: error, details: { file: path } },
    );
  }
  return parsePriceOverrides(text, path);
}
