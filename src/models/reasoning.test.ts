import { describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { parseModelSpec } from './model-spec.ts';
import { lowestOpenAIEffort, reasoningFromEnv, reasoningProviderOptions } from './reasoning.ts';
import { createModelRouter } from './router.ts';

describe('reasoningFromEnv', () => {
  it('takes the flag over DRYDOCK_REASONING, and a role’s own variable over both', () => {
    const env = {
      DRYDOCK_REASONING: 'low',
      DRYDOCK_REASONING_REVIEWER: 'HIGH',
      DRYDOCK_REASONING_FRIEND: ' ',
    };
    expect(reasoningFromEnv(undefined, env)).toEqual({ default: 'low', roles: { reviewer: 'high' } });
    expect(reasoningFromEnv('off', env)).toEqual({ default: 'off', roles: { reviewer: 'high' } });
    expect(reasoningFromEnv(undefined, {})).toEqual({});
  });

  it('refuses an unknown effort, naming where it came from', () => {
    const error = (() => {
      try {
        reasoningFromEnv(undefined, { DRYDOCK_REASONING_CODER: 'max' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(BadInputError);
    expect(error).toMatchObject({ code: 'invalid_reasoning' });
    expect((error as Error).message).toBe(
      'DRYDOCK_REASONING_CODER must be one of off, low, medium, high, not "max"',
    );
    expect(() => reasoningFromEnv('hard', {})).toThrow('--reasoning must be one of');
  });
});

describe('reasoningProviderOptions', () => {
  const spec = (value: string) => parseModelSpec(value);

  it.each([
    [
      'anthropic:claude-sonnet-4-5',
      'medium',
      64_000,
      { anthropic: { thinking: { type: 'enabled', budgetTokens: 16_000 } } },
    ],
    // At most half the reply's limit, never under the API's floor of 1,024.
    [
      'anthropic:claude-3-5-haiku',
      'high',
      8_192,
      { anthropic: { thinking: { type: 'enabled', budgetTokens: 4_096 } } },
    ],
    ['anthropic:tiny', 'low', 1_500, { anthropic: { thinking: { type: 'enabled', budgetTokens: 1_024 } } }],
    ['anthropic:claude-sonnet-4-5', 'off', 64_000, { anthropic: { thinking: { type: 'disabled' } } }],
    ['openai:gpt-5', 'high', 128_000, { openai: { reasoningEffort: 'high', reasoningSummary: 'auto' } }],
    ['openai:gpt-5', 'off', 128_000, { openai: { reasoningEffort: 'minimal' } }],
    ['openai-compatible:qwen3', 'low', undefined, { openaiCompatible: { reasoningEffort: 'low' } }],
    ['openai-compatible:qwen3', 'off', undefined, undefined],
    ['script:demo', 'high', undefined, undefined],
  ] as const)('%s at %s', (model, effort, maxOutput, expected) => {
    expect(reasoningProviderOptions(spec(model), effort, maxOutput)).toEqual(expected);
  });

  it.each([
    ['gpt-5', 'minimal'],
    ['gpt-5-mini', 'minimal'],
    ['gpt-5.1', 'none'],
    ['gpt-5.2-codex', 'none'],
    ['o3', 'low'],
    ['o4-mini', 'low'],
  ])('the least %s takes is %s', (modelId, effort) => {
    expect(lowestOpenAIEffort(modelId)).toBe(effort);
  });
});

describe('the router', () => {
  it('gives each role its reasoning and the provider options that say it', () => {
    const router = createModelRouter({
      default: 'anthropic:claude-sonnet-4-5',
      env: { ANTHROPIC_API_KEY: 'k' },
      cwd: process.cwd(),
      reasoning: { default: 'low', roles: { reviewer: 'high' } },
    });
    expect(router.resolve('coder')).toMatchObject({
      reasoning: 'low',
      providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 4_000 } } },
    });
    expect(router.resolve('reviewer').providerOptions).toEqual({
      anthropic: { thinking: { type: 'enabled', budgetTokens: 32_000 } },
    });
    const plain = createModelRouter({
      default: 'anthropic:claude-sonnet-4-5',
      env: { ANTHROPIC_API_KEY: 'k' },
      cwd: '.',
    });
    expect(plain.resolve('coder').reasoning).toBeUndefined();
    expect(plain.resolve('coder').providerOptions).toBeUndefined();
  });
});
