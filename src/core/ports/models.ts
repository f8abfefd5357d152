import type { JSONValue, LanguageModel } from 'ai';

export const MODEL_ROLES = ['coder', 'reviewer', 'manager', 'friend', 'summarizer', 'judge'] as const;
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

/** How hard a model thinks before it answers (`--reasoning`); `off` asks for no reasoning at all. */
export const REASONING_EFFORTS = ['off', 'low', 'medium', 'high'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

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
  /** The reasoning asked for; absent: the provider's default. */
  reasoning?: ReasoningEffort;
  /** Provider options sent on every call (the reasoning settings in each provider's terms), by provider. */
  providerOptions?: Record<string, Record<string, JSONValue>>;
}

/** Maps roles to models. Resolution is eager, so a missing API key fails before a session starts. */
export interface ModelRouter {
  resolve(role: ModelRole): ResolvedModel;
}
