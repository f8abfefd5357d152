import { afterEach, describe, expect, it } from 'vitest';
import { askFriend } from '../src/agent/friend.ts';
import type { EventData } from '../src/core/events.ts';
import type { ResolvedModel } from '../src/core/ports/models.ts';
import type { ReasoningSettings } from '../src/models/reasoning.ts';
import { createModelRouter } from '../src/models/router.ts';
import { type FakeReply, type FakeServer, startFakeAnthropicServer } from './fakes/anthropic-server.ts';
import { startFakeOpenAIServer } from './fakes/openai-compatible-server.ts';
import { runAgentOnFiles } from './support/agent-harness.ts';

// Model output streamed into the event log as batched `model.delta` events, through the real
// @ai-sdk/anthropic and @ai-sdk/openai clients against fake servers that stream (SSE) as the APIs do.

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type Provider = 'anthropic' | 'openai';

const SPECS = {
  anthropic: 'anthropic:claude-sonnet-4-5',
  openai: 'openai:gpt-5',
  'openai-compatible': 'openai-compatible:qwen3-coder',
};

async function model(
  provider: keyof typeof SPECS,
  replies: readonly FakeReply[],
  reasoning?: ReasoningSettings,
) {
  let index = 0;
  const responder = () => replies[index++] ?? 'The fake has no more replies.';
  const server =
    provider === 'anthropic'
      ? await startFakeAnthropicServer(responder)
      : await startFakeOpenAIServer(responder);
  servers.push(server);
  const env =
    provider === 'anthropic'
      ? { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: server.url }
      : provider === 'openai'
        ? { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: server.url }
        : { DRYDOCK_OPENAI_BASE_URL: server.url };
  const router = createModelRouter({
    default: SPECS[provider],
    env,
    cwd: process.cwd(),
    ...(reasoning ? { reasoning } : {}),
  });
  const coder: ResolvedModel = router.resolve('coder');
  return { server, coder, router };
}

const ofType = <T extends EventData['type']>(events: EventData[], type: T) =>
  events.filter((event): event is Extract<EventData, { type: T }> => event.type === type);

const finish = { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] };

/** A long reply whose pieces are easy to tell apart. */
const longText = Array.from({ length: 120 }, (_, i) => `line ${i} of the plan.`).join(' ');

describe.each<Provider>(['anthropic', 'openai'])('streaming from %s', (provider) => {
  it('writes the reply as it streams, in batches and in order, and the response equals the streamed text', async () => {
    const { coder } = await model(provider, [
      {
        text: longText,
        toolCalls: [{ name: 'list_files', input: {} }],
        stream: { chunkChars: 7, delayMs: 1 },
      },
      finish,
    ]);
    const { final, events } = await runAgentOnFiles({
      coder,
      extra: { deltaBatch: { intervalMs: 40, maxChars: 600 } },
    });
    expect(final.outcome?.kind).toBe('finished');

    const deltas = ofType(events, 'model.delta');
    const pieces = Math.ceil(longText.length / 7);
    // Batched: far fewer events than the pieces the server sent, none larger than the cap allows.
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.length).toBeLessThan(pieces / 4);
    for (const delta of deltas) {
      expect(delta).toMatchObject({ step: 1, attempt: 1 });
      expect(delta.text?.length ?? 0).toBeLessThan(600 + 7);
    }
    const response = ofType(events, 'model.response')[0];
    expect(deltas.map((delta) => delta.text ?? '').join('')).toBe(longText);
    expect(response?.text).toBe(longText);
    // Every delta of a step comes before its response; the short second reply streams too.
    const firstResponse = events.findIndex((event) => event.type === 'model.response');
    const stepOneDeltas = events.flatMap((event, at) =>
      event.type === 'model.delta' && event.step === 1 ? [at] : [],
    );
    expect(Math.max(...stepOneDeltas)).toBeLessThan(firstResponse);
  });

  it('streams reasoning as deltas of its own kind', async () => {
    const thinking = 'The bug is in a.txt; reading it first will tell me which line.';
    const { coder } = await model(provider, [
      {
        reasoning: thinking,
        text: 'Reading a.txt.',
        toolCalls: [{ name: 'read_file', input: { path: 'a.txt' } }],
      },
      finish,
    ]);
    const { final, events } = await runAgentOnFiles({ coder, files: { 'a.txt': 'bug\n' } });
    expect(final.outcome?.kind).toBe('finished');
    const deltas = ofType(events, 'model.delta').filter((delta) => delta.step === 1);
    expect(deltas.map((delta) => delta.reasoning ?? '').join('')).toBe(thinking);
    expect(deltas.map((delta) => delta.text ?? '').join('')).toBe('Reading a.txt.');
    // The reasoning stays in the conversation, so the next request sends it back (Anthropic: signed).
    const assistant = final.messages.find((message) => message.role === 'assistant');
    expect(JSON.stringify(assistant)).toContain('reasoning');
  });

  it('retries a stream dropped midway from scratch, marking what was shown superseded', async () => {
    const { server, coder } = await model(provider, [
      // Slow enough that some of it is shown before the connection drops.
      { text: 'First try at the answer, which breaks off', stream: { dropAfter: 6, delayMs: 30 } },
      { text: 'Second try.', ...finish },
    ]);
    const { final, events } = await runAgentOnFiles({
      coder,
      extra: { retry: { retries: 2 }, deltaBatch: { intervalMs: 20, maxChars: 2_048 } },
    });
    expect(final.outcome?.kind).toBe('finished');
    expect(server.requests).toHaveLength(2);

    const retry = ofType(events, 'model.retry')[0];
    expect(retry).toMatchObject({ step: 1, attempt: 1, superseded: true });
    expect(retry?.message).toMatch(/the reply stream broke off/);
    const deltas = ofType(events, 'model.delta');
    const first = deltas.filter((delta) => delta.attempt === 1);
    const second = deltas.filter((delta) => delta.attempt === 2);
    expect(first.length).toBeGreaterThan(0);
    expect(first.map((delta) => delta.text ?? '').join('')).not.toBe('');
    // The retry comes after the void attempt's deltas and before the next attempt's.
    const at = (event: EventData | undefined) => events.indexOf(event as EventData);
    expect(at(first.at(-1))).toBeLessThan(at(retry));
    expect(at(retry)).toBeLessThan(at(second[0]));
    expect(second.map((delta) => delta.text ?? '').join('')).toBe('Second try.');
    expect(ofType(events, 'model.response')[0]?.text).toBe('Second try.');
  });

  it('cancel mid-stream stops the stream', async () => {
    const controller = new AbortController();
    const { server, coder } = await model(provider, [
      { text: longText, ...finish, stream: { chunkChars: 5, delayMs: 20 } },
    ]);
    const { final, events } = await runAgentOnFiles({
      coder,
      signal: controller.signal,
      extra: { deltaBatch: { intervalMs: 20, maxChars: 2_048 } },
      onEvent: (event) => {
        if (event.type === 'model.delta') controller.abort();
      },
    });
    expect(final.outcome?.kind).toBe('cancelled');
    expect(ofType(events, 'model.response')).toEqual([]);
    expect(ofType(events, 'tool.result')).toEqual([]);
    // The client hung up: the server did not get to send the rest.
    await expect.poll(() => server.requests[0]?.closedByClient).toBe(true);
  });
});

describe('the per-request timeout while streaming', () => {
  it('lets a long reply that keeps streaming run past it, and abandons one that goes silent', async () => {
    const { server, coder } = await model('anthropic', [
      // 40 pieces 20 ms apart: 0.8 s in all, never 300 ms without a chunk.
      { text: longText.slice(0, 200), ...finish, stream: { chunkChars: 5, delayMs: 20 } },
    ]);
    const { final, events } = await runAgentOnFiles({ coder, extra: { retry: { requestTimeoutMs: 300 } } });
    expect(final.outcome?.kind).toBe('finished');
    expect(ofType(events, 'model.retry')).toEqual([]);
    expect(server.requests).toHaveLength(1);

    const stalled = await model('anthropic', [
      { text: 'One. Two. Three.', stream: { delayMs: 500 } },
      finish,
    ]);
    const second = await runAgentOnFiles({
      coder: stalled.coder,
      extra: { retry: { requestTimeoutMs: 300 } },
    });
    expect(second.final.outcome?.kind).toBe('finished');
    expect(ofType(second.events, 'model.retry')[0]?.message).toMatch(/timed out after 300 ms/);
  });
});

describe('reasoning settings reach the request as each provider documents them', () => {
  it('Anthropic: extended thinking with a token budget, on top of the reply’s limit', async () => {
    const { server, coder, router } = await model('anthropic', [finish], {
      default: 'medium',
      roles: { reviewer: 'off' },
    });
    await runAgentOnFiles({ coder });
    // The Messages API: `thinking.budget_tokens` counts within `max_tokens` (the SDK keeps it within the model's limit).
    expect(server.requests[0]?.body).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 16_000 },
      max_tokens: 64_000,
    });

    await runAgentOnFiles({ coder: router.resolve('reviewer') });
    expect(server.requests[1]?.body).toMatchObject({ thinking: { type: 'disabled' } });
  });

  it('OpenAI Responses: reasoning.effort with a summary, beside the prompt cache key', async () => {
    const { server, coder } = await model('openai', [finish], { default: 'high' });
    await runAgentOnFiles({ coder });
    const body = server.requests[0]?.body as { reasoning?: unknown; prompt_cache_key?: string };
    expect(body.reasoning).toEqual({ effort: 'high', summary: 'auto' });
    expect(body.prompt_cache_key).toMatch(/^drydock-/);
  });

  it('OpenAI-compatible servers: reasoning_effort', async () => {
    const { server, coder } = await model('openai-compatible', [finish], { default: 'low' });
    await runAgentOnFiles({ coder });
    expect(server.requests[0]?.body).toMatchObject({ reasoning_effort: 'low' });
  });

  it('the friend thinks as its own role says (DRYDOCK_REASONING_FRIEND)', async () => {
    const { server, router } = await model('anthropic', ['Start from the failing test.'], {
      roles: { friend: 'high' },
    });
    const { answer } = await askFriend({
      friend: router.resolve('friend'),
      brief: { task: 'Fix a.txt', question: 'Where do I start?', files: [], digest: '' },
      signal: new AbortController().signal,
    });
    expect(answer).toBe('Start from the failing test.');
    expect(server.requests[0]?.body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 32_000 } });
  });

  it('sends nothing when no reasoning is configured', async () => {
    const { server, coder } = await model('anthropic', [finish]);
    await runAgentOnFiles({ coder });
    expect(server.requests[0]?.body).not.toHaveProperty('thinking');
  });

  it('counts reasoning tokens in the usage of a thinking reply', async () => {
    const { coder } = await model(
      'openai',
      [
        {
          ...finish,
          reasoning: 'Short thought.',
          usage: { inputTokens: 100, outputTokens: 50, reasoningTokens: 30 },
        },
      ],
      { default: 'high' },
    );
    const { final, events } = await runAgentOnFiles({ coder });
    expect(final.usage).toMatchObject({ outputTokens: 50, reasoningTokens: 30 });
    expect(ofType(events, 'model.delta')[0]?.reasoning).toBe('Short thought.');
  });
});
