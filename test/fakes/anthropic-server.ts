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
} from './fake-http-server.ts';

export type {
  FakeReply,
  FakeResponder,
  FakeServer,
  FakeToolCall,
  FakeUsage,
  RecordedRequest,
} from './fake-http-server.ts';

const messages: FakeRoute = (request, reply, response, nextId) => {
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
  const content = [
    ...(answer.text === '' ? [] : [{ type: 'text', text: answer.text }]),
    ...answer.toolCalls.map((call) => ({
      type: 'tool_use',
      id: call.id,
      name: call.name,
      input: call.input,
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
      content,
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
    if (block.type === 'text' && 'text' in block) {
      emit({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      emit({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    } else if ('input' in block) {
      emit({ type: 'content_block_start', index, content_block: { ...block, input: {} } });
      emit({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
    }
    emit({ type: 'content_block_stop', index });
  });
  emit({
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  emit({ type: 'message_stop' });
  sendEvents(response, events);
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
