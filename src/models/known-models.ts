/**
 * Models drydock offers to pick from (the web form's list), each provider's current ones; any other
 * `provider:model` works too when typed. Only those whose provider is set up on a server are offered.
 */
export const KNOWN_MODEL_SPECS: readonly string[] = [
  'anthropic:claude-sonnet-4-5',
  'anthropic:claude-opus-4-5',
  'anthropic:claude-haiku-4-5',
  'openai:gpt-5',
  'openai:gpt-5-mini',
  'openai:gpt-4.1',
];
