import type { JSONValue } from 'ai';
import { BadInputError } from '../core/errors.ts';
import {
  MODEL_ROLES,
  type ModelRole,
  REASONING_EFFORTS,
  type ReasoningEffort,
} from '../core/ports/models.ts';
import type { ModelSpec } from './model-spec.ts';
import type { ModelEnv } from './providers.ts';

/** The reasoning each role asks for: `default` for every role not named in `roles`. */
export interface ReasoningSettings {
  default?: ReasoningEffort;
  roles?: Partial<Record<ModelRole, ReasoningEffort>>;
}

/**
 * Anthropic's extended thinking budget per effort (at least 1,024 tokens, the API's floor; Claude Code's
 * "think" and "think hard" budgets are of this order).
 */
export const THINKING_BUDGET_TOKENS: Readonly<Record<Exclude<ReasoningEffort, 'off'>, number>> = {
  low: 4_000,
  medium: 16_000,
  high: 32_000,
};

/** A `--reasoning` or `DRYDOCK_REASONING*` value; `source` names where it came from for the error. */
export function parseReasoning(value: string, source: string): ReasoningEffort {
  const effort = value.trim().toLowerCase();
  if ((REASONING_EFFORTS as readonly string[]).includes(effort)) return effort as ReasoningEffort;
  throw new BadInputError(
    'invalid_reasoning',
    `${source} must be one of ${REASONING_EFFORTS.join(', ')}, not "${value}"`,
    { details: { source, value } },
  );
}

/**
 * The reasoning settings from `--reasoning` (else `DRYDOCK_REASONING`) for every role, and
 * `DRYDOCK_REASONING_<ROLE>` (`DRYDOCK_REASONING_REVIEWER=high`) for one role, which wins. Blank values
 * count as unset; a bad value throws `invalid_reasoning`.
 */
export function reasoningFromEnv(flag: string | undefined, env: ModelEnv): ReasoningSettings {
  const given = (value: string | undefined) => (value?.trim() ? value : undefined);
  const defaultValue = given(flag) ?? given(env.DRYDOCK_REASONING);
  const settings: ReasoningSettings = {};
  if (defaultValue !== undefined) {
    settings.default = parseReasoning(
      defaultValue,
      given(flag) === undefined ? 'DRYDOCK_REASONING' : '--reasoning',
    );
  }
  for (const role of MODEL_ROLES) {
    const name = `DRYDOCK_REASONING_${role.toUpperCase()}`;
    const value = given(env[name]);
    if (value !== undefined) settings.roles = { ...settings.roles, [role]: parseReasoning(value, name) };
  }
  return settings;
}

/**
 * What a model is sent for an effort, in its provider's terms. Anthropic: extended thinking with a
 * token budget (at most half the reply's limit, which the SDK raises by the budget), or thinking
 * disabled. OpenAI (Responses API): `reasoning.effort`, with a reasoning summary so the thinking can
 * be shown; `off` is the lowest effort the model takes. OpenAI-compatible servers: `reasoning_effort`
 * (nothing for `off`). Scripts: nothing. Pure.
 */
export function reasoningProviderOptions(
  spec: ModelSpec,
  effort: ReasoningEffort,
  maxOutputTokens?: number,
): Record<string, Record<string, JSONValue>> | undefined {
  switch (spec.provider) {
    case 'anthropic': {
      if (effort === 'off') return { anthropic: { thinking: { type: 'disabled' } } };
      const ceiling =
        maxOutputTokens === undefined ? Number.POSITIVE_INFINITY : Math.floor(maxOutputTokens / 2);
      const budgetTokens = Math.max(1_024, Math.min(THINKING_BUDGET_TOKENS[effort], ceiling));
      return { anthropic: { thinking: { type: 'enabled', budgetTokens } } };
    }
    case 'openai':
      return effort === 'off'
        ? { openai: { reasoningEffort: lowestOpenAIEffort(spec.modelId) } }
        : { openai: { reasoningEffort: effort, reasoningSummary: 'auto' } };
    case 'openai-compatible':
      return effort === 'off' ? undefined : { openaiCompatible: { reasoningEffort: effort } };
    case 'script':
      return undefined;
  }
}

/**
 * The least reasoning an OpenAI model accepts: `none` from GPT-5.1 on, `minimal` on GPT-5, `low` on
 * the o-series. Pure.
 */
export function lowestOpenAIEffort(modelId: string): 'none' | 'minimal' | 'low' {
  if (/^o\d/.test(modelId)) return 'low';
  if (/^gpt-5(-|$)/.test(modelId)) return 'minimal';
  return 'none';
}
