import type { LanguageModel } from 'ai';

export const MODEL_ROLES = ['coder', 'reviewer', 'manager', 'friend', 'summarizer'] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];

/** Price per million tokens, in US dollars. */
export interface ModelPricing {
  inputPerMTok: number;
  outputPerMTok: number;
}

export interface ResolvedModel {
  /** The `provider:model` string this came from. */
  spec: string;
  model: LanguageModel;
  /** Tokens the model accepts; compaction starts well before it. */
  contextWindow: number;
  /** The longest reply asked for; absent: the provider's default. */
  maxOutputTokens?: number;
  /** Null when the price is unknown (cost then counts as zero and says so). */
  pricing: ModelPricing | null;
}

/** Maps roles to models. Resolution is eager, so a missing API key fails before a session starts. */
export interface ModelRouter {
  resolve(role: ModelRole): ResolvedModel;
}
