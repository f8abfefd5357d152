import type { ModelPricing } from './ports/models.ts';
import type { Usage } from './session.ts';

/** One model call's tokens, as the provider reported them. */
export interface CallTokens {
  /** Every input token, cached ones included. */
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Every output token, reasoning included. */
  outputTokens: number;
  reasoningTokens: number;
}

/**
 * What one call cost, each kind of token at its own price: uncached input, cache reads, cache writes,
 * output (reasoning is billed as output by both Anthropic and OpenAI). Pure.
 */
export function callCostUsd(tokens: CallTokens, pricing: ModelPricing): number {
  const uncached = Math.max(0, tokens.inputTokens - tokens.cacheReadTokens - tokens.cacheWriteTokens);
  const micros =
    uncached * pricing.inputPerMTok +
    tokens.cacheReadTokens * (pricing.cacheReadPerMTok ?? pricing.inputPerMTok) +
    tokens.cacheWriteTokens * (pricing.cacheWritePerMTok ?? pricing.inputPerMTok) +
    tokens.outputTokens * pricing.outputPerMTok;
  return micros / 1_000_000;
}

/** One call's {@link Usage}: the breakdown where non-zero, and `costUnknown` when there is no price. Pure. */
export function callUsage(tokens: CallTokens, pricing: ModelPricing | null): Usage {
  const usage: Usage = {
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    costUsd: pricing ? callCostUsd(tokens, pricing) : 0,
  };
  if (tokens.cacheReadTokens > 0) usage.cacheReadTokens = tokens.cacheReadTokens;
  if (tokens.cacheWriteTokens > 0) usage.cacheWriteTokens = tokens.cacheWriteTokens;
  if (tokens.reasoningTokens > 0) usage.reasoningTokens = tokens.reasoningTokens;
  if (pricing === null) usage.costUnknown = true;
  return usage;
}
