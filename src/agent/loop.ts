import type { ModelMessage, ToolCallPart, ToolSet } from 'ai';
import { jsonSchema, tool } from 'ai';
import { describeError } from '../core/errors.ts';
import type { EventData } from '../core/events.ts';
import { addUsage, CANCELLED_BY_USER } from '../core/session.ts';
import { spendLimitRefusalIn } from '../core/spend-limit-error.ts';
import { truncateText } from '../core/truncate.ts';
import type { AgentRun } from './agent-run.ts';
import type { AgentState } from './agent-state.ts';
import { budgetExceeded } from './budget.ts';
import { compactConversation } from './compact-conversation.ts';
import { COMPACT_AT_RATIO, estimateTokens } from './compaction.ts';
import {
  refusalReason,
  replyDisposition,
  TRUNCATED_CALL_RESULT,
  truncatedReplyNotice,
} from './finish-reason.ts';
import { LiveOutput } from './live-output.ts';
import { modelRetryOptions, shown, withPromptCacheKey } from './model-call-options.ts';
import { callWithRetries } from './model-retry.ts';
import { usageOf } from './model-usage.ts';
import { cachedSystem, promptCacheKey, withCacheBreakpoints } from './prompt-cache.ts';
import { runToolCalls, toolResultPart } from './run-tool-calls.ts';
import { stopRun } from './stop-run.ts';
import { type ModelReply, streamReply } from './stream-reply.ts';
import type { ToolDefinition } from './tool.ts';
import { createToolCallRepair, withParsableToolInputs } from './tool-call-repair.ts';

/** Text-only turns in a row after which the loop stops: the model is not working the task. */
const MAX_IDLE_TURNS = 3;

const NUDGE =
  'Keep working with the tools. When the change is done and checked, call finish with a summary; ' +
  'if you cannot complete the task, call give_up with the reason.';

/**
 * The agent loop. It runs in drydock, never in the sandbox, and never throws for the agent's sake: a
 * model failure ends the run with a `model_error` outcome, a tool failure goes back to the model as an
 * error result. Each step is recorded (events plus the whole state) before the next begins, so a run
 * can resume from its last checkpoint. Only a failure of the host to record propagates.
 */
export async function runAgent(run: AgentRun): Promise<AgentState> {
  let state = run.state;
  const startedMs = run.host.nowMs() - state.elapsedMs;
  const toolSet = toToolSet(run.tools);
  const compactAt = run.compactAtTokens ?? Math.floor(run.coder.contextWindow * COMPACT_AT_RATIO);
  let lastInputTokens = 0;

  // A run that stopped between a model response and its tool results (a crash, a lost worker)
  // answers those calls first, so the conversation stays valid.
  const pending = pendingToolCalls(state.messages);
  if (state.outcome === null && pending.length > 0)
    state = await runToolCalls(run, state, state.step, pending);

  while (state.outcome === null) {
    state = { ...state, elapsedMs: run.host.nowMs() - startedMs };
    if (run.signal.aborted) {
      state = await stopRun(run, state, { kind: 'cancelled', reason: CANCELLED_BY_USER });
      break;
    }
    if (run.pause?.aborted) break;
    const spent = budgetExceeded(run.budget, {
      steps: state.step,
      elapsedMs: state.elapsedMs,
      usage: state.usage,
    });
    if (spent) {
      state = await stopRun(run, state, { kind: 'budget_exhausted', reason: spent });
      break;
    }
    const incoming = (await run.host.takeMessages?.()) ?? [];
    if (incoming.length > 0) {
      state = {
        ...state,
        idleTurns: 0,
        messages: [
          ...state.messages,
          ...incoming.map((text): ModelMessage => ({ role: 'user', content: text })),
        ],
      };
    }
    if (Math.max(lastInputTokens, estimateTokens(state.messages)) >= compactAt) {
      state = await compactConversation(run, state);
      lastInputTokens = 0;
    }

    const step = state.step + 1;
    const callStartMs = run.host.nowMs();
    run.host.onModelWait?.(true);
    const live = run.host.recordLive
      ? new LiveOutput(run.host.recordLive.bind(run.host), step, run.deltaBatch)
      : null;
    let response: ModelReply;
    const repairs = new Map<string, string>();
    const repairToolCall = createToolCallRepair((id, note) => repairs.set(id, note));
    try {
      const system = shown(run, run.system);
      const messages = shown(run, state.messages);
      response = await callWithRetries(
        (signal, alive) =>
          streamReply({
            request: {
              model: run.coder.model,
              system: cachedSystem(system),
              messages: withCacheBreakpoints(messages),
              providerOptions: withPromptCacheKey(
                run.coder.providerOptions,
                promptCacheKey(system, messages),
              ),
              tools: toolSet,
              abortSignal: signal,
              experimental_repairToolCall: repairToolCall,
              // drydock retries (callWithRetries): the SDK's own retries would multiply its attempts.
              maxRetries: 0,
              ...(run.coder.maxOutputTokens === undefined
                ? {}
                : { maxOutputTokens: run.coder.maxOutputTokens }),
            },
            onChunk: alive,
            onDelta: (kind, delta) => live?.push(kind, delta),
          }),
        modelRetryOptions(run, step, state, live),
      );
      await live?.close();
    } catch (error) {
      run.host.onModelWait?.(false);
      await live?.discard();
      const message = describeError(error);
      const refusal = spendLimitRefusalIn(error);
      state = { ...state, step };
      if (run.signal.aborted) {
        state = await stopRun(run, state, { kind: 'cancelled', reason: CANCELLED_BY_USER });
      } else if (refusal) {
        // A spend limit refused the call before it was made (docs/cost.md): the run bows out, its work kept.
        state = await stopRun(run, state, { kind: 'budget_exhausted', reason: refusal.message });
      } else {
        state = await stopRun(run, state, { kind: 'model_error', reason: message }, [
          { type: 'model.error', step, message },
        ]);
      }
      break;
    }
    run.host.onModelWait?.(false);

    const usage = usageOf(response.usage, run.coder);
    lastInputTokens = usage.inputTokens;
    // The SDK adds its own error results for calls it could not parse; drydock answers every call itself.
    const assistant = withParsableToolInputs(
      response.messages.filter((message) => message.role === 'assistant'),
    );
    const calls = response.toolCalls;
    const disposition = replyDisposition(response.finishReason);
    state = {
      ...state,
      step,
      usage: addUsage(state.usage, usage),
      messages: [...state.messages, ...assistant],
      idleTurns: calls.length === 0 ? state.idleTurns + 1 : 0,
    };
    const events: EventData[] = [
      {
        type: 'model.response',
        step,
        text: response.text,
        toolCalls: calls.length,
        usage,
        durationMs: run.host.nowMs() - callStartMs,
        finishReason: response.finishReason,
      },
      ...calls.map(
        (call): EventData => ({
          type: 'tool.call',
          step,
          toolCallId: call.toolCallId,
          tool: call.toolName,
          input: call.input,
          ...(repairs.has(call.toolCallId) ? { repaired: repairs.get(call.toolCallId) } : {}),
        }),
      ),
    ];
    if (disposition === 'refused') {
      state = await stopRun(run, state, { kind: 'refused', reason: refusalReason(response.text) }, events);
      break;
    }
    if (disposition === 'truncated') {
      // A call cut off mid-argument could write half a file: none runs, each gets an error result.
      const notRun: ModelMessage[] =
        calls.length === 0
          ? []
          : [
              {
                role: 'tool',
                content: calls.map((call) => toolResultPart(call, TRUNCATED_CALL_RESULT, true)),
              },
            ];
      state = {
        ...state,
        messages: [
          ...state.messages,
          ...notRun,
          { role: 'user', content: truncatedReplyNotice(run.coder.maxOutputTokens) },
        ],
      };
      await run.host.record(events, state);
      continue;
    }
    if (calls.length === 0) {
      if (state.idleTurns >= MAX_IDLE_TURNS) {
        const reason = `the model answered ${state.idleTurns} times in a row without using a tool; last answer: ${truncateText(response.text, 300)}`;
        state = await stopRun(run, state, { kind: 'gave_up', reason }, events);
        break;
      }
      state = { ...state, messages: [...state.messages, { role: 'user', content: NUDGE }] };
      await run.host.record(events, state);
      continue;
    }
    await run.host.record(events, state);
    // The resumed run answers these calls first (pendingToolCalls above).
    if (run.pause?.aborted) break;
    state = await runToolCalls(run, state, step, calls);
  }
  return state;
}

/** Tool calls of the last assistant message that have no result yet. Pure. */
export function pendingToolCalls(messages: readonly ModelMessage[]): ToolCallPart[] {
  const last = messages.at(-1);
  if (last?.role !== 'assistant' || typeof last.content === 'string') return [];
  return last.content.filter(
    (part): part is ToolCallPart => part.type === 'tool-call' && !part.providerExecuted,
  );
}

function toToolSet(tools: ReadonlyMap<string, ToolDefinition>): ToolSet {
  const set: ToolSet = {};
  // No execute functions: the SDK returns the calls and drydock runs them against the sandbox.
  for (const [name, definition] of tools) {
    const inputSchema = definition.jsonSchema ? jsonSchema(definition.jsonSchema) : definition.inputSchema;
    set[name] = tool({ description: definition.description, inputSchema });
  }
  return set;
}
