import { type FakeRoute, normalizeAnswer, sendEvents, sendJson, textChunks } from './fake-http-server.ts';

const CREATED_AT = 1_700_000_000;

/** The fake's OpenAI Responses API (`POST /v1/responses`): the output items a real response has. */
export const renderResponsesApi: FakeRoute = async (request, reply, response, nextId) => {
  const body = request.body as { model?: string; stream?: boolean };
  const answer = normalizeAnswer(reply, nextId, 'call_');
  const id = nextId('resp_');
  const model = body.model ?? 'fake-model';
  // `input_tokens` includes the cached part, reported again in `input_tokens_details`.
  const inputTokens = answer.usage.inputTokens + answer.usage.cacheReadTokens;
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: answer.usage.cacheReadTokens },
    output_tokens: answer.usage.outputTokens,
    output_tokens_details: { reasoning_tokens: answer.usage.reasoningTokens },
    total_tokens: inputTokens + answer.usage.outputTokens,
  };
  // A reply cut short is `incomplete`, with the reason (the Responses API).
  const incompleteDetails =
    answer.stop === undefined
      ? null
      : { reason: answer.stop === 'length' ? 'max_output_tokens' : 'content_filter' };
  const message =
    answer.text === ''
      ? []
      : [
          {
            type: 'message',
            id: nextId('msg_'),
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: answer.text, annotations: [] }],
          },
        ];
  // A reasoning summary (asked for with `reasoning.summary`) comes before the answer.
  const reasoning =
    answer.reasoning === ''
      ? []
      : [
          {
            type: 'reasoning',
            id: nextId('rs_'),
            summary: [{ type: 'summary_text', text: answer.reasoning }],
          },
        ];
  const calls = answer.toolCalls.map((call) => ({
    type: 'function_call',
    id: nextId('fc_'),
    call_id: call.id,
    name: call.name,
    arguments: call.arguments,
    status: 'completed',
  }));
  const output = [...reasoning, ...message, ...calls];
  const completed = {
    id,
    object: 'response',
    created_at: CREATED_AT,
    model,
    status: incompleteDetails === null ? 'completed' : 'incomplete',
    output,
    usage,
  };

  if (body.stream !== true) {
    sendJson(response, 200, { ...completed, incomplete_details: incompleteDetails });
    return;
  }

  const events: Array<Record<string, unknown>> = [
    { type: 'response.created', response: { ...completed, status: 'in_progress', output: [], usage: null } },
  ];
  output.forEach((item, outputIndex) => {
    if (item.type === 'reasoning') {
      events.push({
        type: 'response.output_item.added',
        output_index: outputIndex,
        item: { ...item, summary: [] },
      });
      const part = { item_id: item.id, output_index: outputIndex, summary_index: 0 };
      events.push({
        type: 'response.reasoning_summary_part.added',
        ...part,
        part: { type: 'summary_text', text: '' },
      });
      for (const delta of textChunks(answer.reasoning, answer.stream)) {
        events.push({ type: 'response.reasoning_summary_text.delta', ...part, delta });
      }
      events.push({
        type: 'response.reasoning_summary_part.done',
        ...part,
        part: { type: 'summary_text', text: answer.reasoning },
      });
    } else if (item.type === 'message') {
      events.push({
        type: 'response.output_item.added',
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', content: [] },
      });
      for (const delta of textChunks(answer.text, answer.stream)) {
        events.push({
          type: 'response.output_text.delta',
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          delta,
        });
      }
    } else if ('arguments' in item) {
      events.push({
        type: 'response.output_item.added',
        output_index: outputIndex,
        item: { ...item, arguments: '', status: 'in_progress' },
      });
      events.push({
        type: 'response.function_call_arguments.delta',
        item_id: item.id,
        output_index: outputIndex,
        delta: item.arguments,
      });
    }
    events.push({ type: 'response.output_item.done', output_index: outputIndex, item });
  });
  // A reply cut short ends with `response.incomplete`, saying why.
  events.push(
    incompleteDetails === null
      ? { type: 'response.completed', response: completed }
      : { type: 'response.incomplete', response: { ...completed, incomplete_details: incompleteDetails } },
  );
  await sendEvents(
    response,
    events.map((event, sequence) => ({
      event: String(event.type),
      data: { ...event, sequence_number: sequence },
    })),
    undefined,
    answer.stream,
  );
};
