import { BadInputError } from '../core/errors.ts';

export const MODEL_PROVIDERS = ['anthropic', 'openai', 'openai-compatible', 'script'] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

/** A parsed `provider:model` string. For `script`, `modelId` is the script's file (or in-memory name). */
export interface ModelSpec {
  provider: ModelProvider;
  modelId: string;
}

export const ACCEPTED_MODEL_FORMS =
  'anthropic:<model>, openai:<model>, openai-compatible:<model> (with DRYDOCK_OPENAI_BASE_URL), ' +
  'script:<file.json>';

function isModelProvider(value: string): value is ModelProvider {
  return (MODEL_PROVIDERS as readonly string[]).includes(value);
}

/**
 * Splits `provider:model` at the first colon only: model ids may contain colons themselves
 * (Ollama's `llama3.1:8b` arrives as `openai-compatible:llama3.1:8b`). Throws `BadInputError`
 * (`unknown_model`) listing the accepted forms.
 */
export function parseModelSpec(spec: string): ModelSpec {
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  const provider = colon === -1 ? '' : trimmed.slice(0, colon);
  const modelId = colon === -1 ? '' : trimmed.slice(colon + 1).trim();
  if (!isModelProvider(provider) || modelId === '') {
    throw new BadInputError(
      'unknown_model',
      `Unknown model "${spec}". Use one of: ${ACCEPTED_MODEL_FORMS}.`,
      { details: { spec } },
    );
  }
  return { provider, modelId };
}

export function formatModelSpec(spec: ModelSpec): string {
  return `${spec.provider}:${spec.modelId}`;
}
