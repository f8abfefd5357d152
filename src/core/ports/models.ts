import type { LanguageModel } from 'ai';

export const MODEL_ROLES = ['coder', 'reviewer', 'manager', 'friend', 'summarizer'] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];

/** Price per million tokens, in US dollars. */
export interface ModelPricing {
  /** Input not read from the cache. */
  inputPerMTok: number;
  /** Output, reasoning included. */
  outputPerMTok: number;
  /** Input read from the prompt cache (Anthropic: 0.1× input; OpenAI: its cached-input price). Absent: as input. */
  cacheReadPerMTok?: number;
  /** Input written to the prompt cache (Anthropic, 5-minute breakpoints: 1.25× input). Absent: as input. */
  cacheWritePerMTok?: number;
}

export interface ResolvedModel {
  /** The `provider:model` string this came from. */
  spec: string;
  model: LanguageModel;
  /** Tokens the model accepts; compaction starts well before it. */
  contextWindow: number;
  /** The longest reply asked for; absent: the provider's default. */
  maxOutputTokens?: number;
  /** Null when the price is unknown: its calls' usage is marked `costUnknown`, never counted as $0. */
  pricing: ModelPricing | null;
}

/** Maps roles to models. Resolution is eager, so a missing API key fails before a session starts. */
export interface ModelRouter {
  resolve(role: ModelRole): ResolvedModel;
}
