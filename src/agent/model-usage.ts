import type { LanguageModelUsage } from 'ai';
import { type CallTokens, callUsage } from '../core/cost.ts';
import type { ResolvedModel } from '../core/ports/models.ts';
import type { Usage } from '../core/session.ts';

/**
 * One call's tokens from the AI SDK's usage, which every provider fills the same way: input in total
 * with its cache reads and writes, output in total with its reasoning. Missing counts are zero.
 */
export function callTokens(usage: LanguageModelUsage): CallTokens {
  return {
    inputTokens: usage.inputTokens ?? 0,
    cacheReadTokens: usage.inputTokenDetails?.cacheReadTokens ?? 0,
    cacheWriteTokens: usage.inputTokenDetails?.cacheWriteTokens ?? 0,
    outputTokens: usage.outputTokens ?? 0,
    reasoningTokens: usage.outputTokenDetails?.reasoningTokens ?? 0,
  };
}

/** A call's usage, priced with the model's prices (unknown price: `costUnknown`, never $0). */
export function usageOf(usage: LanguageModelUsage, model: ResolvedModel): Usage {
  return callUsage(callTokens(usage), model.pricing);
}
