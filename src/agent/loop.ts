import type { ModelMessage, ToolCallPart, ToolResultPart, ToolSet } from 'ai';
import { generateText, jsonSchema, tool } from 'ai';
import type { RunGateChecks } from '../core/checks-report.ts';
import { describeError } from '../core/errors.ts';
import type { EventData } from '../core/events.ts';
import type { ResolvedModel } from '../core/ports/models.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import { type Redact, redactDeep } from '../core/redaction.ts';
import type { Budget, Usage } from '../core/session.ts';
import { addUsage, CANCELLED_BY_USER } from '../core/session.ts';
import { spendLimitRefusalIn } from '../core/spend-limit-error.ts';
import { truncateText } from '../core/truncate.ts';
import type { AgentState } from './agent-state.ts';
import { budgetExceeded } from './budget.ts';
import {
  applyCompaction,
  COMPACT_AT_RATIO,
  estimateTokens,
  mechanicalSummary,
  planCompaction,
  renderTranscript,
  SUMMARIZER_SYSTEM_PROMPT,
} from './compaction.ts';
import {
  refusalReason,
  replyDisposition,
  TRUNCATED_CALL_RESULT,
  truncatedReplyNotice,
} from './finish-reason.ts';
import { type DeltaBatchPolicy, LiveOutput } from './live-output.ts';
import { LiveToolOutput, type ToolOutputPolicy } from './live-tool-output.ts';
import { callKey, nextFailureStreak } from './loop-detection.ts';
import { callWithRetries, DEFAULT_RETRY_POLICY, type RetryOptions, type RetryPolicy } from './model-retry.ts';
import { usageOf } from './model-usage.ts';
import { cachedSystem, promptCacheKey, withCacheBreakpoints } from './prompt-cache.ts';
import { runTool } from './run-tool.ts';
import { type ModelReply, streamReply } from './stream-reply.ts';
import type { ToolDefinition } from './tool.ts';
import { createToolCallRepair, withParsableToolInputs } from './tool-call-repair.ts';
import { renderTodos } from './tools/todo.ts';

/** Where the loop writes: the session's store, through the runner. */
export interface AgentHost {
  /** Persists the events and the state together, atomically. The loop's only side channel. */
  record(events: EventData[], state: AgentState): Promise<void>;
  /** Keeps a long text (a tool's full output) and returns its id. */
  saveArtifact(name: string, content: string): Promise<string>;
  /** Milliseconds, monotonic enough for budgets. */
  nowMs(): number;
  /** Waits between retries of a failed model call; default: a real timer. Rejects when `signal` aborts. */
  sleep?(ms: number, signal: AbortSignal): Promise<void>;
  /**
   * Persists events only live viewers need (`model.delta`: a reply as it streams; `tool.output`: what
   * a running command prints), without the state:
   * a resumed run never reads them. Absent: replies are not shown until they are complete.
   */
  recordLive?(events: EventData[]): Promise<void>;
  /** Told when a model call starts and ends, for spinners. */
  onModelWait?(waiting: boolean): void;
  /**
   * Follow-ups from people that arrived since the last call, each appended as a user message before
   * the next model call. The host keeps its read position with the state it is next asked to record,
   * so a resumed run never reads a message twice.
   */
  takeMessages?(): Promise<string[]>;
}

export interface AgentRun {
  coder: ResolvedModel;
  summarizer: ResolvedModel;
  system: string;
  tools: ReadonlyMap<string, ToolDefinition>;
  /** The session's sandbox itself: the tools write real files through it. */
  sandbox: Sandbox;
  /**
   * What the model may see of the session's secrets: tool output, and everything sent to the model
   * (system prompt, messages, compaction transcripts), is redacted with it. Absent: nothing to hide.
   */
  redact?: Redact;
  budget: Budget;
  /** A fresh state, or a checkpoint to resume from. */
  state: AgentState;
  host: AgentHost;
  signal: AbortSignal;
  /**
   * Aborted when the worker running the session stops: the loop returns after the step in flight is
   * recorded, its outcome still null, and a later run resumes from that state (not a cancel).
   */
  pause?: AbortSignal;
  /** The gate's checks, for the `run_checks` tool (tool.ts); absent where there is no gate. */
  runChecks?: RunGateChecks;
  /** Compact when the conversation reaches this many tokens. Default: 70% of the coder's context window. */
  compactAtTokens?: number;
  /** How failed model calls are retried, and each request's timeout. Default: {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy>;
  /** How streamed output is batched into `model.delta` events. Default: {@link DEFAULT_DELTA_BATCH}. */
  deltaBatch?: DeltaBatchPolicy;
  /** How a running command's output is batched and capped into `tool.output` events. Default: `DEFAULT_TOOL_OUTPUT` (live-tool-output.ts). */
  toolOutput?: ToolOutputPolicy;
}

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
      state = await stop(run, state, { kind: 'cancelled', reason: CANCELLED_BY_USER });
      break;
    }
    if (run.pause?.aborted) break;
    const spent = budgetExceeded(run.budget, {
      steps: state.step,
      elapsedMs: state.elapsedMs,
      usage: state.usage,
    });
    if (spent) {
      state = await stop(run, state, { kind: 'budget_exhausted', reason: spent });
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
      state = await compact(run, state);
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
        retryOptions(run, step, state, live),
      );
      await live?.close();
    } catch (error) {
      run.host.onModelWait?.(false);
      await live?.discard();
      const message = describeError(error);
      const refusal = spendLimitRefusalIn(error);
      state = { ...state, step };
      if (run.signal.aborted) {
        state = await stop(run, state, { kind: 'cancelled', reason: CANCELLED_BY_USER });
      } else if (refusal) {
        // A spend limit refused the call before it was made (docs/cost.md): the run bows out, its work kept.
        state = await stop(run, state, { kind: 'budget_exhausted', reason: refusal.message });
      } else {
        state = await stop(run, state, { kind: 'model_error', reason: message }, [
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
      state = await stop(run, state, { kind: 'refused', reason: refusalReason(response.text) }, events);
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
        state = await stop(run, state, { kind: 'gave_up', reason }, events);
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

async function runToolCalls(
  run: AgentRun,
  initial: AgentState,
  step: number,
  calls: ReadonlyArray<{ toolCallId: string; toolName: string; input: unknown }>,
): Promise<AgentState> {
  let state = initial;
  const results: ToolResultPart[] = [];
  const events: EventData[] = [];
  let stopWith: AgentState['outcome'] = null;
  for (const call of calls) {
    if (stopWith) {
      results.push(toolResultPart(call, 'Not run: the session is ending.', true));
      continue;
    }
    const startedMs = run.host.nowMs();
    const live = run.host.recordLive
      ? new LiveToolOutput(
          run.host.recordLive.bind(run.host),
          { step, toolCallId: call.toolCallId },
          run.redact,
          run.toolOutput,
        )
      : null;
    const result = await runTool(run.tools, call.toolName, call.input, {
      sandbox: run.sandbox,
      signal: run.signal,
      ...(run.redact ? { redact: run.redact } : {}),
      ...(run.runChecks ? { runChecks: run.runChecks } : {}),
      ...(live ? { onOutput: (chunk: string) => live.push(chunk) } : {}),
    });
    // runTool never throws; everything streamed is written before the result that replaces it.
    await live?.close();
    let artifactId: string | undefined;
    if (result.fullOutput !== undefined) {
      artifactId = await run.host.saveArtifact(`step-${step}-${call.toolName}-output.txt`, result.fullOutput);
    }
    results.push(toolResultPart(call, result.output, result.isError));
    events.push({
      type: 'tool.result',
      step,
      toolCallId: call.toolCallId,
      tool: call.toolName,
      isError: result.isError,
      summary: result.summary,
      output: result.output,
      durationMs: run.host.nowMs() - startedMs,
      ...(artifactId ? { artifactId } : {}),
      ...(result.images?.length ? { images: result.images } : {}),
    });
    if (result.events) events.push(...result.events);
    if (result.todos) {
      state = { ...state, todos: result.todos };
      events.push({ type: 'todo.updated', step, items: result.todos });
    }
    const streak = nextFailureStreak(state.failureStreak, callKey(call.toolName, call.input), result.isError);
    state = {
      ...state,
      failureStreak: streak,
      ...(result.usage ? { usage: addUsage(state.usage, result.usage) } : {}),
    };
    if (result.stop) {
      stopWith =
        result.stop.kind === 'finished'
          ? {
              kind: 'finished',
              summary: result.stop.summary,
              ...(result.stop.result === undefined ? {} : { result: result.stop.result }),
            }
          : { kind: 'gave_up', reason: result.stop.reason };
    } else if (streak && streak.count >= run.budget.maxRepeatedFailures) {
      stopWith = {
        kind: 'loop_detected',
        reason: `the same failing call was repeated ${streak.count} times: ${call.toolName} ${truncateText(JSON.stringify(call.input), 200)}; last error: ${truncateText(result.output, 300)}`,
      };
    }
  }
  state = { ...state, messages: [...state.messages, { role: 'tool', content: results }] };
  if (stopWith) return stop(run, state, stopWith, events);
  await run.host.record(events, state);
  return state;
}

async function stop(
  run: AgentRun,
  state: AgentState,
  outcome: NonNullable<AgentState['outcome']>,
  events: EventData[] = [],
): Promise<AgentState> {
  const detail = outcome.kind === 'finished' ? outcome.summary : outcome.reason;
  const stopped: AgentState = { ...state, outcome };
  await run.host.record(
    [...events, { type: 'agent.stopped', step: state.step, outcome: outcome.kind, detail }],
    stopped,
  );
  return stopped;
}

/**
 * Retries of a model call at `step`, each wait recorded (with `state`, the last one recorded) as
 * `model.retry`, which says when the failed attempt's streamed output (`live`) is void.
 */
function retryOptions(
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

async function compact(run: AgentRun, state: AgentState): Promise<AgentState> {
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
      retryOptions(run, state.step, state),
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

/**
 * What the model is sent, redacted: tool results already are, but a check's output, a diff or a file
 * that reaches the conversation another way must not bring a secret with it.
 */
function shown<T>(run: AgentRun, value: T): T {
  return run.redact ? redactDeep(value, run.redact) : value;
}

/** The model's own provider options (its reasoning settings) with OpenAI's prompt cache key. Pure. */
function withPromptCacheKey(
  options: ResolvedModel['providerOptions'],
  key: string,
): NonNullable<ResolvedModel['providerOptions']> {
  return { ...options, openai: { ...options?.openai, promptCacheKey: key } };
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

function toolResultPart(
  call: { toolCallId: string; toolName: string },
  output: string,
  isError: boolean,
): ToolResultPart {
  return {
    type: 'tool-result',
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    output: isError ? { type: 'error-text', value: output } : { type: 'text', value: output },
  };
}
