import type { ServerResponse } from 'node:http';
import {
  type FakeErrorReply,
  type FakeResponder,
  type FakeRoute,
  type FakeServer,
  normalizeAnswer,
  sendEvents,
  sendJson,
  startFakeServer,
  textChunks,
} from './fake-http-server.ts';

export type {
  FakeReply,
  FakeResponder,
  FakeServer,
  FakeToolCall,
  FakeUsage,
  RecordedRequest,
} from './fake-http-server.ts';

const messages: FakeRoute = async (request, reply, response, nextId) => {
  const body = request.body as { model?: string; stream?: boolean };
  const answer = normalizeAnswer(reply, nextId, 'toolu_');
  const id = nextId('msg_');
  const model = body.model ?? 'fake-model';
  const stopReason =
    answer.stop === 'length'
      ? 'max_tokens'
      : answer.stop === 'refusal'
        ? 'refusal'
        : answer.toolCalls.length > 0
          ? 'tool_use'
          : 'end_turn';
  // A thinking block comes first, signed (the client must send it back as it came).
  type Block =
    | { type: 'thinking'; thinking: string; signature: string }
    | { type: 'text'; text: string }
    | { type: 'tool_use'; id: string; name: string; input: unknown; arguments: string };
  const content: Block[] = [
    ...(answer.reasoning === ''
      ? []
      : [
          {
            type: 'thinking' as const,
            thinking: answer.reasoning,
            signature: `sig-${answer.reasoning.length}`,
          },
        ]),
    ...(answer.text === '' ? [] : [{ type: 'text' as const, text: answer.text }]),
    ...answer.toolCalls.map((call) => ({
      type: 'tool_use' as const,
      id: call.id,
      name: call.name,
      input: call.input,
      arguments: call.arguments,
    })),
  ];
  // `input_tokens` is the uncached part; cache reads and writes are counted apart (the Messages API).
  const usage = {
    input_tokens: answer.usage.inputTokens,
    cache_creation_input_tokens: answer.usage.cacheWriteTokens,
    cache_read_input_tokens: answer.usage.cacheReadTokens,
    output_tokens: answer.usage.outputTokens,
  };

  if (body.stream !== true) {
    sendJson(response, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: content.map((block) => {
        if (block.type !== 'tool_use') return block;
        const { arguments: _sent, ...toolUse } = block;
        return toolUse;
      }),
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
    return;
  }

  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  const emit = (data: Record<string, unknown>) => events.push({ event: String(data.type), data });
  emit({
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  content.forEach((block, index) => {
    if (block.type === 'thinking') {
      emit({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '' } });
      for (const piece of textChunks(block.thinking, answer.stream)) {
        emit({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } });
      }
      emit({
        type: 'content_block_delta',
        index,
        delta: { type: 'signature_delta', signature: block.signature },
      });
    } else if (block.type === 'text') {
      emit({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const piece of textChunks(block.text, answer.stream)) {
        emit({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
      }
    } else {
      const { arguments: sent, ...toolUse } = block;
      emit({ type: 'content_block_start', index, content_block: { ...toolUse, input: {} } });
      emit({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: sent } });
    }
    emit({ type: 'content_block_stop', index });
  });
  emit({
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  emit({ type: 'message_stop' });
  await sendEvents(response, events, undefined, answer.stream);
};

/** The Messages API's error types by status (its errors page). */
function anthropicErrorType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

function renderAnthropicError(response: ServerResponse, error: FakeErrorReply): void {
  const message = error.message ?? `Fake error ${error.status}`;
  sendJson(
    response,
    error.status,
    { type: 'error', error: { type: anthropicErrorType(error.status), message } },
    error.headers,
  );
}

/**
 * A fake Anthropic Messages API for tests, not a model: `POST /v1/messages`, non-streaming or
 * streaming (SSE) as the request asks. The responder decides every answer; every request is recorded.
 */
export function startFakeAnthropicServer(responder: FakeResponder): Promise<FakeServer> {
  return startFakeServer({ '/v1/messages': messages }, responder, renderAnthropicError);
}
