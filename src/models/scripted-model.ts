import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { ScriptTurn } from './script-file.ts';

export { loadScript, parseScript, type Script, type ScriptToolCall, type ScriptTurn } from './script-file.ts';

export const SCRIPT_EXHAUSTED_TEXT = 'The script has no more turns.';

/** Computes the next turn from the call; `undefined` means the script is exhausted. */
export type ScriptResponder = (call: LanguageModelV3CallOptions, callIndex: number) => ScriptTurn | undefined;

export interface ScriptedModelOptions {
  /** Shown as the model id (the script's file or in-memory name). */
  modelId?: string;
}

const ZERO_USAGE: LanguageModelV3Usage = {
  inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 0, text: 0, reasoning: 0 },
};

/**
 * drydock's `script:<file.json>` model: a test and demo double, not a real model. It replays
 * prepared turns in order, one per call (`doGenerate` and `doStream` alike), returns tool calls as
 * a provider would (unique ids, JSON-encoded input, finish reason `tool-calls`), reports zero
 * usage, and records every call it receives in `calls` so tests can inspect what the model saw.
 * Once the turns run out it answers {@link SCRIPT_EXHAUSTED_TEXT} with no tool calls, so an agent
 * loop driven by a short script ends instead of spinning.
 */
export class ScriptedModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'drydock-script';
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]> = {};
  /** Every call received, in order. Each holds the whole prompt, so this grows with long sessions. */
  readonly calls: LanguageModelV3CallOptions[] = [];

  readonly #next: ScriptResponder;
  #turnIndex = 0;

  constructor(turns: readonly ScriptTurn[] | ScriptResponder, options: ScriptedModelOptions = {}) {
    this.modelId = options.modelId ?? 'inline';
    this.#next = typeof turns === 'function' ? turns : (_call, index) => turns[index];
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const turn = this.#take(options);
    const content: LanguageModelV3Content[] = [];
    if (turn.reasoning) content.push({ type: 'reasoning', text: turn.reasoning });
    if (turn.text !== undefined && turn.text !== '') content.push({ type: 'text', text: turn.text });
    content.push(...this.#toolCalls(turn));
    return { content, finishReason: finishReasonOf(turn), usage: ZERO_USAGE, warnings: [] };
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const turn = this.#take(options);
    const parts: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
    // Word-sized deltas, so stream consumers see more than one chunk, as with a real provider.
    const words = (text: string) => text.split(/(?<=\s)/);
    if (turn.reasoning) {
      parts.push({ type: 'reasoning-start', id: 'reasoning-0' });
      for (const delta of words(turn.reasoning))
        parts.push({ type: 'reasoning-delta', id: 'reasoning-0', delta });
      parts.push({ type: 'reasoning-end', id: 'reasoning-0' });
    }
    if (turn.text !== undefined && turn.text !== '') {
      parts.push({ type: 'text-start', id: 'text-0' });
      for (const delta of words(turn.text)) parts.push({ type: 'text-delta', id: 'text-0', delta });
      parts.push({ type: 'text-end', id: 'text-0' });
    }
    for (const call of this.#toolCalls(turn)) {
      parts.push({ type: 'tool-input-start', id: call.toolCallId, toolName: call.toolName });
      parts.push({ type: 'tool-input-delta', id: call.toolCallId, delta: call.input });
      parts.push({ type: 'tool-input-end', id: call.toolCallId });
      parts.push(call);
    }
    parts.push({ type: 'finish', usage: ZERO_USAGE, finishReason: finishReasonOf(turn) });
    return { stream: streamOf(parts) };
  }

  #take(options: LanguageModelV3CallOptions): ScriptTurn {
    options.abortSignal?.throwIfAborted();
    // A conversation resumed by another process (a new turn, a crashed worker) already holds the
    // turns replayed before: continue after them instead of starting the script again.
    const index = Math.max(this.calls.length, assistantTurns(options.prompt));
    this.calls.push(options);
    this.#turnIndex = index;
    return this.#next(options, index) ?? { text: SCRIPT_EXHAUSTED_TEXT };
  }

  #toolCalls(turn: ScriptTurn): Array<Extract<LanguageModelV3Content, { type: 'tool-call' }>> {
    return (turn.toolCalls ?? []).map((call, position) => {
      return {
        type: 'tool-call',
        // Unique within the conversation, and the same whichever process replays the turn.
        toolCallId: `script-call-${this.#turnIndex + 1}-${position + 1}`,
        toolName: call.name,
        input: JSON.stringify(call.input),
      };
    });
  }
}

/** A scripted model from in-memory turns (or a responder function). See {@link ScriptedModel}. */
export function createScriptedModel(
  turns: readonly ScriptTurn[] | ScriptResponder,
  options?: ScriptedModelOptions,
): ScriptedModel {
  return new ScriptedModel(turns, options);
}

/** Assistant messages in a prompt: the turns this conversation already holds. */
function assistantTurns(prompt: LanguageModelV3CallOptions['prompt']): number {
  return prompt.filter((message) => message.role === 'assistant').length;
}

function finishReasonOf(turn: ScriptTurn): LanguageModelV3FinishReason {
  return (turn.toolCalls?.length ?? 0) > 0
    ? { unified: 'tool-calls', raw: 'tool-calls' }
    : { unified: 'stop', raw: 'stop' };
}

function streamOf<T>(items: readonly T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}
