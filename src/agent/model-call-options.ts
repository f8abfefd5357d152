import type { ResolvedModel } from '../core/ports/models.ts';
import { redactDeep } from '../core/redaction.ts';
import type { AgentRun } from './agent-run.ts';
import type { AgentState } from './agent-state.ts';
import type { LiveOutput } from './live-output.ts';
import { DEFAULT_RETRY_POLICY, type RetryOptions } from './model-retry.ts';

/**
 * Retries of a model call at `step`, each wait recorded (with `state`, the last one recorded) as
 * `model.retry`, which says when the failed attempt's streamed output (`live`) is void.
 */
export function modelRetryOptions(
  run: AgentRun,
  step: number,
  state: AgentState,
  live: LiveOutput | null = null,
): RetryOptions {
  return {
    policy: { ...DEFAULT_RETRY_POLICY, ...run.retry },
    signal: run.signal,
    nowMs: () => Date.now(),
    onRetry: async (notice) => {
      const superseded = (await live?.retrying()) ?? false;
      await run.host.record(
        [{ type: 'model.retry', step, ...notice, ...(superseded ? { superseded } : {}) }],
        state,
      );
    },
    ...(run.host.sleep ? { sleep: run.host.sleep.bind(run.host) } : {}),
  };
}

/**
 * What the model is sent, redacted: tool results already are, but a check's output, a diff or a file
 * that reaches the conversation another way must not bring a secret with it.
 */
export function shown<T>(run: AgentRun, value: T): T {
  return run.redact ? redactDeep(value, run.redact) : value;
}

/** The model's own provider options (its reasoning settings) with OpenAI's prompt cache key. Pure. */
export function withPromptCacheKey(
  options: ResolvedModel['providerOptions'],
  key: string,
): NonNullable<ResolvedModel['providerOptions']> {
  return { ...options, openai: { ...options?.openai, promptCacheKey: key } };
}
