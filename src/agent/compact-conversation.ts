import { generateText } from 'ai';
import type { Usage } from '../core/session.ts';
import { addUsage } from '../core/session.ts';
import type { AgentRun } from './agent-run.ts';
import type { AgentState } from './agent-state.ts';
import {
  applyCompaction,
  estimateTokens,
  mechanicalSummary,
  planCompaction,
  renderTranscript,
  SUMMARIZER_SYSTEM_PROMPT,
} from './compaction.ts';
import { modelRetryOptions, shown } from './model-call-options.ts';
import { callWithRetries } from './model-retry.ts';
import { usageOf } from './model-usage.ts';
import { renderTodos } from './tools/todo.ts';

/**
 * Compacts the conversation: the summarizer model (or, when it fails, drydock itself) sums up the
 * middle of it, recorded as `context.compacted`. Never ends the session.
 */
export async function compactConversation(run: AgentRun, state: AgentState): Promise<AgentState> {
  const plan = planCompaction(state.messages);
  if (!plan) return state;
  const tokensBefore = estimateTokens(state.messages);
  let summary: string;
  let usage: Usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  try {
    const result = await callWithRetries(
      (signal) =>
        generateText({
          model: run.summarizer.model,
          system: SUMMARIZER_SYSTEM_PROMPT,
          prompt: shown(run, renderTranscript(plan.middle)),
          ...(run.summarizer.providerOptions ? { providerOptions: run.summarizer.providerOptions } : {}),
          abortSignal: signal,
          maxRetries: 0,
        }),
      modelRetryOptions(run, state.step, state),
    );
    usage = usageOf(result.usage, run.summarizer);
    summary = result.text.trim() === '' ? mechanicalSummary(plan.middle) : result.text.trim();
  } catch {
    // Compaction must not end the session: fall back to a summary drydock can write itself.
    summary = mechanicalSummary(plan.middle);
  }
  // The plan outlives the steps it was written in: the summary carries the latest one.
  const todos =
    state.todos && state.todos.length > 0
      ? `\n\nYour plan (todo) as you last wrote it:\n${renderTodos(state.todos)}`
      : '';
  const messages = applyCompaction(plan, `${summary}${todos}`);
  const compacted: AgentState = { ...state, messages, usage: addUsage(state.usage, usage) };
  await run.host.record(
    [
      {
        type: 'context.compacted',
        step: state.step,
        removedMessages: plan.middle.length,
        tokensBefore,
        tokensAfter: estimateTokens(messages),
      },
    ],
    compacted,
  );
  return compacted;
}
