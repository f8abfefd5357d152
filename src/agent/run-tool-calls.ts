import type { ToolResultPart } from 'ai';
import type { EventData } from '../core/events.ts';
import { addUsage } from '../core/session.ts';
import { truncateText } from '../core/truncate.ts';
import type { AgentRun } from './agent-run.ts';
import type { AgentState } from './agent-state.ts';
import { LiveToolOutput } from './live-tool-output.ts';
import { callKey, nextFailureStreak } from './loop-detection.ts';
import { runTool } from './run-tool.ts';
import { stopRun } from './stop-run.ts';

/**
 * Runs a reply's tool calls in order against the sandbox and records their results. A call that stops
 * the run (finish, give_up, a repeated failure) ends it; the calls after it are answered, not run.
 */
export async function runToolCalls(
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
  if (stopWith) return stopRun(run, state, stopWith, events);
  await run.host.record(events, state);
  return state;
}

/** A tool call's result as the model reads it: an error result when `isError`. Pure. */
export function toolResultPart(
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
