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
import { renderResponsesApi } from './openai-responses-route.ts';

export type {
  FakeReply,
  FakeResponder,
  FakeServer,
  FakeToolCall,
  FakeUsage,
  RecordedRequest,
} from './fake-http-server.ts';

const CREATED = 1_700_000_000;

const chatCompletions: FakeRoute = async (request, reply, response, nextId) => {
  const body = request.body as {
    model?: string;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
  };
  const answer = normalizeAnswer(reply, nextId, 'call_');
  const id = nextId('chatcmpl-');
  const model = body.model ?? 'fake-model';
  const finishReason =
    answer.stop === 'length'
      ? 'length'
      : answer.stop === 'refusal'
        ? 'content_filter'
        : answer.toolCalls.length > 0
          ? 'tool_calls'
          : 'stop';
  // `prompt_tokens` includes the cached part, reported again in `prompt_tokens_details`.
  const promptTokens = answer.usage.inputTokens + answer.usage.cacheReadTokens;
  const usage = {
    prompt_tokens: promptTokens,
    prompt_tokens_details: { cached_tokens: answer.usage.cacheReadTokens },
    completion_tokens: answer.usage.outputTokens,
    completion_tokens_details: { reasoning_tokens: answer.usage.reasoningTokens },
    total_tokens: promptTokens + answer.usage.outputTokens,
  };
  const toolCalls = answer.toolCalls.map((call, index) => ({
    index,
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));

  if (body.stream !== true) {
    sendJson(response, 200, {
      id,
      object: 'chat.completion',
      created: CREATED,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: answer.text === '' ? null : answer.text,
            ...(toolCalls.length > 0 && { tool_calls: toolCalls.map(({ index: _index, ...call }) => call) }),
          },
          finish_reason: finishReason,
        },
      ],
      usage,
    });
    return;
  }

  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    data: {
      id,
      object: 'chat.completion.chunk',
      created: CREATED,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    },
  });
  const events: Array<{ data: unknown }> = [chunk({ role: 'assistant', content: '' })];
  // `reasoning_content`, as vLLM and DeepSeek stream their thinking.
  for (const piece of textChunks(answer.reasoning, answer.stream))
    events.push(chunk({ reasoning_content: piece }));
  // In pieces (word by word unless told), so the client really assembles the text from several deltas.
  for (const piece of textChunks(answer.text, answer.stream)) events.push(chunk({ content: piece }));
  for (const call of toolCalls) events.push(chunk({ tool_calls: [call] }));
  events.push(chunk({}, finishReason));
  if (body.stream_options?.include_usage === true) {
    events.push({
      data: { id, object: 'chat.completion.chunk', created: CREATED, model, choices: [], usage },
    });
  }
  await sendEvents(response, events, '[DONE]', answer.stream);
};

function renderOpenAIError(response: ServerResponse, error: FakeErrorReply): void {
  const message = error.message ?? `Fake error ${error.status}`;
  const type =
    error.status === 429
      ? 'rate_limit_exceeded'
      : error.status >= 500
        ? 'server_error'
        : 'invalid_request_error';
  sendJson(response, error.status, { error: { message, type, param: null, code: null } }, error.headers);
}

/**
 * A fake OpenAI-compatible server for tests, not a model: it serves Chat Completions
 * (`POST /v1/chat/completions`, what `openai-compatible:` models call) and the Responses API
 * (`POST /v1/responses`, what `openai:` models call), each non-streaming or streaming (SSE) as the
 * request asks. The responder decides every answer; every request is recorded.
 */
export function startFakeOpenAIServer(responder: FakeResponder): Promise<FakeServer> {
  return startFakeServer(
    { '/v1/chat/completions': chatCompletions, '/v1/responses': renderResponsesApi },
    responder,
    renderOpenAIError,
  );
}
