import { afterEach, describe, expect, it } from 'vitest';
import type { EventData } from '../src/core/events.ts';
import type { ResolvedModel } from '../src/core/ports/models.ts';
import { createModelRouter } from '../src/models/router.ts';
import { type FakeReply, type FakeServer, startFakeAnthropicServer } from './fakes/anthropic-server.ts';
import { startFakeOpenAIServer } from './fakes/openai-compatible-server.ts';
import { runAgentOnFiles } from './support/agent-harness.ts';

// The agent loop against fake Anthropic and OpenAI servers that answer as the documented APIs do,
// through the real @ai-sdk/anthropic and @ai-sdk/openai clients.

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type Responder = (body: Record<string, unknown>, index: number) => FakeReply | Promise<FakeReply>;

/** Answers the i-th request with replies[i] (or a responder), recording every request. */
function inOrder(replies: readonly FakeReply[] | Responder) {
  let index = 0;
  return (body: Record<string, unknown>): FakeReply | Promise<FakeReply> => {
    const i = index++;
    if (typeof replies === 'function') return replies(body, i);
    return replies[i] ?? 'The fake has no more replies.';
  };
}

async function anthropic(
  replies: readonly FakeReply[] | Responder,
  model = 'claude-sonnet-4-5',
): Promise<{ server: FakeServer; coder: ResolvedModel }> {
  const server = await startFakeAnthropicServer(inOrder(replies));
  servers.push(server);
  const router = createModelRouter({
    default: `anthropic:${model}`,
    env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: server.url },
    cwd: process.cwd(),
  });
  return { server, coder: router.resolve('coder') };
}

async function openai(
  replies: readonly FakeReply[] | Responder,
  model = 'gpt-5',
): Promise<{ server: FakeServer; coder: ResolvedModel }> {
  const server = await startFakeOpenAIServer(inOrder(replies));
  servers.push(server);
  const router = createModelRouter({
    default: `openai:${model}`,
    env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: server.url },
    cwd: process.cwd(),
  });
  return { server, coder: router.resolve('coder') };
}

const ofType = <T extends EventData['type']>(events: EventData[], type: T) =>
  events.filter((event): event is Extract<EventData, { type: T }> => event.type === type);

describe('finish reasons', () => {
  it('does not run the tool calls of a reply cut off at max_tokens, and tells the model', async () => {
    const { server, coder } = await anthropic([
      {
        text: 'Writing the file.',
        toolCalls: [{ name: 'write_file', input: { path: 'scratch.txt', content: 'half a fi' } }],
        stop: 'length',
      },
      { toolCalls: [{ name: 'write_file', input: { path: 'a.txt', content: 'fixed\n' } }] },
      { toolCalls: [{ name: 'finish', input: { summary: 'fixed a.txt' } }] },
    ]);
    const { final, events, sandbox } = await runAgentOnFiles({ coder, files: { 'a.txt': 'bug\n' } });

    expect(final.outcome).toEqual({ kind: 'finished', summary: 'fixed a.txt' });
    expect(sandbox.files.has('scratch.txt')).toBe(false);
    expect(sandbox.files.get('a.txt')?.toString()).toBe('fixed\n');
    expect(ofType(events, 'model.response').map((event) => event.finishReason)).toEqual([
      'length',
      'tool-calls',
      'tool-calls',
    ]);
    // The cut call got an error result, and the model was told why and what to do, in the next request.
    const second = JSON.stringify(server.requests[1]?.body);
    expect(second).toContain('Not run: your reply was cut off at the output token limit');
    expect(second).toContain('Your last reply was cut off at 64000 output tokens');
    expect(second).toContain('Continue in smaller steps');
    // The one call that was run is the second reply's write.
    expect(ofType(events, 'tool.result').map((event) => event.tool)).toEqual(['write_file', 'finish']);
  });

  it('asks for the model’s published output limit on every call', async () => {
    const { server, coder } = await anthropic([{ toolCalls: [{ name: 'finish', input: { summary: 's' } }] }]);
    await runAgentOnFiles({ coder });
    expect(server.requests[0]?.body).toMatchObject({ max_tokens: 64_000 });
  });

  it('stops the session with a clear reason when the model refuses', async () => {
    const { coder } = await anthropic([
      {
        text: 'I can’t help with that.',
        toolCalls: [{ name: 'bash', input: { command: 'rm -rf /' } }],
        stop: 'refusal',
      },
    ]);
    const { final, events, sandbox } = await runAgentOnFiles({ coder, files: { 'a.txt': 'bug\n' } });
    expect(final.outcome).toEqual({
      kind: 'refused',
      reason: 'the provider stopped the reply (content filter or refusal): I can’t help with that.',
    });
    expect(ofType(events, 'tool.result')).toEqual([]);
    expect(sandbox.files.get('a.txt')?.toString()).toBe('bug\n');
  });

  it('treats an OpenAI reply incomplete at max_output_tokens the same way', async () => {
    const { server, coder } = await openai([
      { toolCalls: [{ name: 'write_file', input: { path: 'scratch.txt', content: 'x' } }], stop: 'length' },
      { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] },
    ]);
    const { final, sandbox } = await runAgentOnFiles({ coder });
    expect(final.outcome?.kind).toBe('finished');
    expect(sandbox.files.has('scratch.txt')).toBe(false);
    expect(server.requests[0]?.body).toMatchObject({ max_output_tokens: 128_000 });
    expect(JSON.stringify(server.requests[1]?.body)).toContain('Your last reply was cut off');
  });
});

async function openaiCompatible(
  replies: readonly FakeReply[] | Responder,
  model: string,
): Promise<{ server: FakeServer; coder: ResolvedModel }> {
  const server = await startFakeOpenAIServer(inOrder(replies));
  servers.push(server);
  const router = createModelRouter({
    default: `openai-compatible:${model}`,
    env: { DRYDOCK_OPENAI_BASE_URL: server.url },
    cwd: process.cwd(),
  });
  return { server, coder: router.resolve('coder') };
}

const finish = { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] };

describe('true cost', () => {
  it('prices Anthropic cache reads and writes at their own rates', async () => {
    const { coder } = await anthropic([
      {
        ...finish,
        usage: { inputTokens: 2_000, cacheReadTokens: 50_000, cacheWriteTokens: 1_000, outputTokens: 1_000 },
      },
    ]);
    const { final, events } = await runAgentOnFiles({ coder });
    const usage = ofType(events, 'model.response')[0]?.usage;
    expect(usage).toMatchObject({
      inputTokens: 53_000,
      cacheReadTokens: 50_000,
      cacheWriteTokens: 1_000,
      outputTokens: 1_000,
    });
    // Sonnet 4.5's list prices: $3 input, $0.30 cache read, $3.75 cache write, $15 output per million.
    expect(usage?.costUsd).toBeCloseTo((2_000 * 3 + 50_000 * 0.3 + 1_000 * 3.75 + 1_000 * 15) / 1e6, 10);
    expect(final.usage.costUsd).toBeCloseTo(0.03975, 10);
    expect(final.usage.costUnknown).toBeUndefined();
  });

  it('prices OpenAI cached input (Responses API input_tokens_details) and counts reasoning', async () => {
    const { coder } = await openai([
      {
        ...finish,
        usage: { inputTokens: 2_000, cacheReadTokens: 8_000, outputTokens: 500, reasoningTokens: 200 },
      },
    ]);
    const { final } = await runAgentOnFiles({ coder });
    expect(final.usage).toMatchObject({
      inputTokens: 10_000,
      cacheReadTokens: 8_000,
      outputTokens: 500,
      reasoningTokens: 200,
    });
    // gpt-5: $1.25 input, $0.125 cached input, $10 output per million.
    expect(final.usage.costUsd).toBeCloseTo((2_000 * 1.25 + 8_000 * 0.125 + 500 * 10) / 1e6, 10);
  });

  it('reads Chat Completions prompt_tokens_details.cached_tokens too', async () => {
    const { coder } = await openaiCompatible(
      [{ ...finish, usage: { inputTokens: 1_000, cacheReadTokens: 3_000, outputTokens: 100 } }],
      'gpt-4.1',
    );
    const { final } = await runAgentOnFiles({ coder });
    expect(final.usage).toMatchObject({ inputTokens: 4_000, cacheReadTokens: 3_000 });
    // gpt-4.1: $2 input, $0.50 cached input, $8 output per million.
    expect(final.usage.costUsd).toBeCloseTo((1_000 * 2 + 3_000 * 0.5 + 100 * 8) / 1e6, 10);
  });

  it('marks the cost of a model with no known price unknown, not $0', async () => {
    const { coder } = await openaiCompatible([finish], 'my-local-coder');
    expect(coder.pricing).toBeNull();
    const { final } = await runAgentOnFiles({ coder });
    expect(final.usage).toMatchObject({ costUsd: 0, costUnknown: true, inputTokens: 10, outputTokens: 5 });
  });
});

/** Every `cache_control` in a request body, by its JSON path. */
function cacheControlPaths(value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const paths: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (key === 'cache_control') paths.push(path);
    else paths.push(...cacheControlPaths(child, `${path}/${key}`));
  }
  return paths;
}

describe('prompt caching', () => {
  it('sends Anthropic breakpoints on the system prompt and the rolling end, at most four, stable across steps', async () => {
    const { server, coder } = await anthropic([
      { toolCalls: [{ name: 'read_file', input: { path: 'a.txt' } }] },
      {
        toolCalls: [
          { name: 'list_files', input: {} },
          { name: 'read_file', input: { path: 'a.txt' } },
        ],
      },
      { toolCalls: [{ name: 'edit_file', input: { path: 'a.txt', oldText: 'bug', newText: 'fix' } }] },
      { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] },
    ]);
    await runAgentOnFiles({ coder, files: { 'a.txt': 'a bug\n' } });
    const bodies = server.requests.map(
      (request) => request.body as { system: unknown[]; messages: Array<{ content: unknown[] }> },
    );
    expect(bodies).toHaveLength(4);
    expect(cacheControlPaths(bodies[2])).toEqual([
      '/system/0',
      '/messages/2/content/0',
      '/messages/4/content/1',
    ]);

    for (const [step, body] of bodies.entries()) {
      const paths = cacheControlPaths(body);
      expect(paths.length).toBeLessThanOrEqual(4);
      // The system prompt (and so the tools before it) is cached.
      expect(body.system.at(-1)).toMatchObject({ type: 'text', cache_control: { type: 'ephemeral' } });
      // So is the conversation up to its last block.
      const lastMessage = body.messages.length - 1;
      const lastBlock = (body.messages[lastMessage]?.content.length ?? 0) - 1;
      expect(paths).toContain(`/messages/${lastMessage}/content/${lastBlock}`);
      // Where the previous request ended is still a breakpoint: this request reads that cache entry.
      const previous = bodies[step - 1];
      if (previous) {
        const previousEnd = cacheControlPaths(previous)
          .filter((path) => path.startsWith('/messages'))
          .sort((a, b) => Number(a.split('/')[2]) - Number(b.split('/')[2]))
          .at(-1);
        expect(previousEnd).toBeDefined();
        expect(paths).toContain(previousEnd);
      }
    }
  });

  it('sends OpenAI one prompt_cache_key for every step of a session', async () => {
    const { server, coder } = await openai([
      { toolCalls: [{ name: 'list_files', input: {} }] },
      { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] },
    ]);
    await runAgentOnFiles({ coder });
    const keys = server.requests.map(
      (request) => (request.body as { prompt_cache_key?: string }).prompt_cache_key,
    );
    expect(keys[0]).toMatch(/^drydock-[0-9a-f]{32}$/);
    expect(keys).toEqual([keys[0], keys[0]]);
  });
});

describe('provider failures', () => {
  it('retries a 529 overloaded after the retry-after it asks for, with an event, and no retries of the SDK’s own', async () => {
    const { server, coder } = await anthropic([
      { status: 529, message: 'Overloaded', headers: { 'retry-after': '7' } },
      {
        status: 429,
        message: 'Number of request tokens has exceeded your per-minute rate limit',
        headers: { 'retry-after': '2' },
      },
      finish,
    ]);
    const { final, events, waits } = await runAgentOnFiles({ coder, extra: { retry: { retries: 3 } } });
    expect(final.outcome?.kind).toBe('finished');
    expect(server.requests).toHaveLength(3);
    const retries = ofType(events, 'model.retry');
    expect(retries.map(({ attempt, status, message }) => ({ attempt, status, message }))).toEqual([
      { attempt: 1, status: 529, message: 'Overloaded' },
      {
        attempt: 2,
        status: 429,
        message: 'Number of request tokens has exceeded your per-minute rate limit',
      },
    ]);
    // At least what was asked, plus at most 10% jitter; the event says what was waited.
    expect(waits[0]).toBeGreaterThanOrEqual(7_000);
    expect(waits[0]).toBeLessThanOrEqual(7_700);
    expect(waits[1]).toBeGreaterThanOrEqual(2_000);
    expect(retries.map((event) => event.waitMs)).toEqual(waits);
  });

  it('retries a dropped connection and a 500', async () => {
    const { server, coder } = await openai([
      { drop: true },
      { status: 500, message: 'The server had an error' },
      finish,
    ]);
    const { final, events } = await runAgentOnFiles({ coder, extra: { retry: { retries: 3 } } });
    expect(final.outcome?.kind).toBe('finished');
    expect(server.requests).toHaveLength(3);
    expect(ofType(events, 'model.retry').map((event) => event.status)).toEqual([undefined, 500]);
  });

  it('abandons a request that outlives its timeout and retries it', async () => {
    let first = true;
    const { coder } = await anthropic(async () => {
      if (first) {
        first = false;
        await new Promise((resolve) => setTimeout(resolve, 5_000));
      }
      return finish;
    });
    const { final, events } = await runAgentOnFiles({ coder, extra: { retry: { requestTimeoutMs: 300 } } });
    expect(final.outcome?.kind).toBe('finished');
    expect(ofType(events, 'model.retry')[0]?.message).toBe('the request timed out after 300 ms');
  });

  it('bows out with model_error and the provider’s message once the retries are spent', async () => {
    const { server, coder } = await anthropic(() => ({ status: 529, message: 'Overloaded' }));
    const { final, events } = await runAgentOnFiles({ coder, extra: { retry: { retries: 2 } } });
    expect(server.requests).toHaveLength(3);
    expect(final.outcome).toEqual({ kind: 'model_error', reason: 'Overloaded (HTTP 529, after 3 attempts)' });
    expect(ofType(events, 'model.error')[0]?.message).toBe('Overloaded (HTTP 529, after 3 attempts)');
  });

  it('does not retry a request the provider refuses', async () => {
    const { server, coder } = await anthropic([{ status: 400, message: 'max_tokens: 999999 > 64000' }]);
    const { final } = await runAgentOnFiles({ coder });
    expect(server.requests).toHaveLength(1);
    expect(final.outcome).toEqual({ kind: 'model_error', reason: 'max_tokens: 999999 > 64000 (HTTP 400)' });
  });

  it('cancel aborts the request in flight', async () => {
    const controller = new AbortController();
    let answer: (reply: FakeReply) => void = () => {};
    const { server, coder } = await anthropic(
      () =>
        new Promise<FakeReply>((resolve) => {
          answer = resolve;
          controller.abort();
        }),
    );
    const { final } = await runAgentOnFiles({ coder, signal: controller.signal });
    // The loop returned while the server still held the request: the client gave it up.
    expect(final.outcome?.kind).toBe('cancelled');
    expect(server.requests).toHaveLength(1);
    answer(finish);
  });
});

describe('malformed tool calls', () => {
  it('repairs almost-JSON arguments and a misspelt tool name, and says so in the log', async () => {
    const { coder } = await anthropic([
      { toolCalls: [{ name: 'read_file', input: {}, rawInput: '{"path": "a.txt",}' }] },
      { toolCalls: [{ name: 'Write-File', input: { path: 'a.txt', content: 'fixed\n' } }] },
      finish,
    ]);
    const { final, events, sandbox } = await runAgentOnFiles({ coder, files: { 'a.txt': 'bug\n' } });
    expect(final.outcome?.kind).toBe('finished');
    expect(sandbox.files.get('a.txt')?.toString()).toBe('fixed\n');
    expect(ofType(events, 'tool.call').map(({ tool, repaired }) => ({ tool, repaired }))).toEqual([
      { tool: 'read_file', repaired: 'arguments were not valid JSON and were repaired' },
      { tool: 'write_file', repaired: 'tool name "Write-File" read as write_file' },
      { tool: 'finish', repaired: undefined },
    ]);
    expect(ofType(events, 'tool.result').map((event) => event.isError)).toEqual([false, false, false]);
  });

  it.each(['anthropic', 'openai'] as const)(
    '%s: arguments that cannot be repaired get the tool’s schema back, and the loop goes on',
    async (provider) => {
      const replies: FakeReply[] = [
        { toolCalls: [{ name: 'edit_file', input: {}, rawInput: 'path=a.txt old=bug new=fix' }] },
        { toolCalls: [{ name: 'frobnicate', input: { path: 'a.txt' } }] },
        { toolCalls: [{ name: 'edit_file', input: { path: 'a.txt', oldText: 'bug', newText: 'fix' } }] },
        finish,
      ];
      const { server, coder } = provider === 'anthropic' ? await anthropic(replies) : await openai(replies);
      const { final, events, sandbox } = await runAgentOnFiles({ coder, files: { 'a.txt': 'a bug\n' } });
      expect(final.outcome?.kind).toBe('finished');
      expect(sandbox.files.get('a.txt')?.toString()).toBe('a fix\n');

      const results = ofType(events, 'tool.result');
      expect(results.map((event) => event.isError)).toEqual([true, true, false, false]);
      expect(results[0]?.output).toContain('the arguments are not a JSON object: path=a.txt old=bug new=fix');
      expect(results[0]?.output).toMatch(/matching its input schema: \{.*"oldText".*"newText"/);
      expect(results[1]?.output).toMatch(/^Unknown tool "frobnicate"\. Available tools: read_file, /);
      // The next request carries the error and a call the provider accepts back: its input is an object.
      const second = JSON.stringify(server.requests[1]?.body);
      expect(second).toContain('matching its input schema');
      if (provider === 'anthropic') {
        const body = server.requests[1]?.body as { messages: Array<{ role: string; content: unknown[] }> };
        const call = body.messages
          .flatMap((message) => message.content)
          .find((block) => (block as { type?: string }).type === 'tool_use');
        expect(call).toMatchObject({ name: 'edit_file', input: {} });
      }
    },
  );
});
