import type { FinishReason, LanguageModelUsage, ModelMessage, ToolSet, TypedToolCall } from 'ai';
import { streamText } from 'ai';
import type { DeltaKind } from './live-output.ts';
import { StreamInterruptedError } from './model-retry.ts';

/** What the loop needs of one model reply, streamed or not. */
export interface ModelReply {
  text: string;
  toolCalls: Array<TypedToolCall<ToolSet>>;
  finishReason: FinishReason;
  usage: LanguageModelUsage;
  /** The reply as conversation messages (the assistant's, plus the SDK's own results for bad calls). */
  messages: ModelMessage[];
}

export interface StreamReplyOptions {
  /** What `streamText` is asked (its `onError` is drydock's). */
  request: Parameters<typeof streamText>[0];
  /** Told each piece of text or reasoning as it arrives. */
  onDelta(kind: DeltaKind, delta: string): void;
  /** Told of every chunk, text or not (a tool call's arguments): the request is alive. */
  onChunk(): void;
}

/**
 * One model call, streamed: deltas go to `onDelta` as they arrive, and the whole reply is returned at
 * the end, as `generateText` would give it. A failure before anything arrived is thrown as the
 * provider's error (retried like a request); one after is a {@link StreamInterruptedError} (retried
 * from scratch). Cancelling `abortSignal` throws its reason.
 */
export async function streamReply(options: StreamReplyOptions): Promise<ModelReply> {
  const { onDelta, onChunk, request: call } = options;
  // Errors come as stream parts and are thrown below: the SDK's default is to log them too.
  const result = streamText({ ...call, onError: () => {} });
  let started = false;
  const failed = (error: unknown): unknown => {
    if (call.abortSignal?.aborted) return call.abortSignal.reason ?? error;
    return started ? new StreamInterruptedError(error) : error;
  };
  try {
    for await (const part of result.fullStream) {
      onChunk();
      switch (part.type) {
        case 'text-delta':
          started = true;
          onDelta('text', part.text);
          break;
        case 'reasoning-delta':
          started = true;
          onDelta('reasoning', part.text);
          break;
        case 'tool-input-start':
        case 'tool-input-delta':
        case 'tool-call':
          started = true;
          break;
        case 'error':
          throw failed(part.error);
        case 'abort':
          throw failed(new Error(part.reason ?? 'the request was aborted'));
        default:
          break;
      }
    }
    const [text, toolCalls, finishReason, usage, response] = await Promise.all([
      result.text,
      result.toolCalls,
      result.finishReason,
      result.usage,
      result.response,
    ]);
    return { text, toolCalls, finishReason, usage, messages: response.messages };
  } catch (error) {
    if (error instanceof StreamInterruptedError || error === call.abortSignal?.reason) throw error;
    throw failed(error);
  }
}
