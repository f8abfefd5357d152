import { generateText, type ModelMessage, streamText, tool } from 'ai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { startFakeAnthropicServer } from '../../test/fakes/anthropic-server.ts';
import {
  type FakeServer,
  type RecordedRequest,
  startFakeOpenAIServer,
} from '../../test/fakes/openai-compatible-server.ts';
import { BadInputError } from '../core/errors.ts';
import { createLanguageModel, type ModelEnv } from './providers.ts';

const cwd = process.cwd();
const tools = {
  read_file: tool({ description: 'Read a file.', inputSchema: z.object({ path: z.string() }) }),
};

function errorOf(action: () => unknown): BadInputError {
  try {
    action();
  } catch (error) {
    if (error instanceof BadInputError) return error;
    throw error;
  }
  throw new Error('expected a BadInputError');
}

describe('createLanguageModel: missing settings', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    ['anthropic:claude-sonnet-4-5', 'ANTHROPIC_API_KEY', 'missing_api_key', '…'],
    ['openai:gpt-5', 'OPENAI_API_KEY', 'missing_api_key', '…'],
    ['openai-compatible:qwen3', 'DRYDOCK_OPENAI_BASE_URL', 'missing_base_url', 'http://localhost:11434/v1'],
  ])('%s needs %s', (spec, variable, code, example) => {
    // Set in the process on purpose: only the env object passed in may count.
    vi.stubEnv(variable, 'from-process-env');
    for (const env of [{}, { [variable]: '  ' }] satisfies ModelEnv[]) {
      const error = errorOf(() => createLanguageModel(spec, { env, cwd }));
      expect(error.code).toBe(code);
      expect(error.message).toBe(
        `${spec} needs ${variable}: export ${variable}=${example} (or choose another model with --model)`,
      );
    }
  });

  it('matches the documented message exactly', () => {
    expect(errorOf(() => createLanguageModel('anthropic:claude-sonnet-4-5', { env: {}, cwd })).message).toBe(
      'anthropic:claude-sonnet-4-5 needs ANTHROPIC_API_KEY: export ANTHROPIC_API_KEY=… (or choose another model with --model)',
    );
  });

  it.each([
    ['openai-compatible:m', { DRYDOCK_OPENAI_BASE_URL: 'localhost:11434/v1' }, 'DRYDOCK_OPENAI_BASE_URL'],
    ['openai:gpt-5', { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'not a url' }, 'OPENAI_BASE_URL'],
    [
      'anthropic:claude-sonnet-4-5',
      { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'ftp://x' },
      'ANTHROPIC_BASE_URL',
    ],
  ])('%s rejects a base URL that is not http(s)', (spec, env, variable) => {
    const error = errorOf(() => createLanguageModel(spec, { env, cwd }));
    expect(error.code).toBe('invalid_base_url');
    expect(error.message).toMatch(new RegExp(`^${variable} must be an http\\(s\\) URL`));
  });

  it('does not need a key for openai-compatible servers', () => {
    const model = createLanguageModel('openai-compatible:qwen3', {
      env: { DRYDOCK_OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
      cwd,
    });
    expect(model).toMatchObject({ provider: 'openai-compatible.chat', modelId: 'qwen3' });
  });

  it('uses a named in-memory script before looking for a file', () => {
    const model = createLanguageModel('script:demo', { env: {}, cwd, scripts: { demo: [{ text: 'hi' }] } });
    expect(model).toMatchObject({ provider: 'drydock-script', modelId: 'demo' });
  });
});

describe('createLanguageModel against fake servers', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const toolCallReply = { text: 'Reading.', toolCalls: [{ name: 'read_file', input: { path: 'src/a.ts' } }] };

  it.each([
    {
      name: 'openai-compatible (Chat Completions)',
      start: startFakeOpenAIServer,
      spec: 'openai-compatible:qwen3-coder',
      env: (url: string): ModelEnv => ({ DRYDOCK_OPENAI_BASE_URL: url, DRYDOCK_OPENAI_API_KEY: 'sk-local' }),
      path: '/v1/chat/completions',
      auth: ['authorization', 'Bearer sk-local'],
      toolNames: (body: Record<string, unknown>) =>
        (body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name),
    },
    {
      name: 'openai (Responses API)',
      start: startFakeOpenAIServer,
      spec: 'openai:gpt-5',
      env: (url: string): ModelEnv => ({ OPENAI_API_KEY: 'sk-openai', OPENAI_BASE_URL: url }),
      path: '/v1/responses',
      auth: ['authorization', 'Bearer sk-openai'],
      toolNames: (body: Record<string, unknown>) =>
        (body.tools as Array<{ name: string }>).map((t) => t.name),
    },
    {
      name: 'anthropic (Messages API)',
      start: startFakeAnthropicServer,
      spec: 'anthropic:claude-sonnet-4-5',
      env: (url: string): ModelEnv => ({ ANTHROPIC_API_KEY: 'sk-ant', ANTHROPIC_BASE_URL: url }),
      path: '/v1/messages',
      auth: ['x-api-key', 'sk-ant'],
      toolNames: (body: Record<string, unknown>) =>
        (body.tools as Array<{ name: string }>).map((t) => t.name),
    },
  ])(
    '$name: tool calls and text, generated and streamed',
    async ({ start, spec, env, path, auth, toolNames }) => {
      server = await start((body) => (body.stream === true ? 'Streamed answer here.' : toolCallReply));
      const model = createLanguageModel(spec, { env: env(server.url), cwd });
      const modelId = spec.slice(spec.indexOf(':') + 1);

      const generated = await generateText({ model, tools, prompt: 'Read src/a.ts', maxRetries: 0 });
      expect(generated.text).toBe('Reading.');
      expect(generated.finishReason).toBe('tool-calls');
      expect(generated.toolCalls.map((call) => [call.toolName, call.input])).toEqual([
        ['read_file', { path: 'src/a.ts' }],
      ]);
      expect(generated.usage).toMatchObject({ inputTokens: 10, outputTokens: 5 });

      const streamed = streamText({ model, prompt: 'Say something', maxRetries: 0 });
      expect(await streamed.text).toBe('Streamed answer here.');
      expect(await streamed.finishReason).toBe('stop');
      expect((await streamed.usage).outputTokens).toBe(5);

      expect(server.requests).toHaveLength(2);
      const [first, second] = server.requests as [RecordedRequest, RecordedRequest];
      expect(first).toMatchObject({ method: 'POST', path });
      expect(first.headers[auth[0]!]).toBe(auth[1]);
      const body = first.body as Record<string, unknown>;
      expect(body.model).toBe(modelId);
      expect(toolNames(body)).toEqual(['read_file']);
      expect(body.stream).not.toBe(true);
      expect(second).toMatchObject({ path, body: { stream: true } });
    },
  );

  it('streams tool calls too', async () => {
    for (const [start, spec, env] of [
      [startFakeOpenAIServer, 'openai-compatible:m', (url: string) => ({ DRYDOCK_OPENAI_BASE_URL: url })],
      [
        startFakeAnthropicServer,
        'anthropic:claude-haiku-4-5',
        (url: string) => ({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: url }),
      ],
      [
        startFakeOpenAIServer,
        'openai:gpt-5-mini',
        (url: string) => ({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: url }),
      ],
    ] as const) {
      server = await start(() => toolCallReply);
      const model = createLanguageModel(spec, { env: env(server.url), cwd });
      const streamed = streamText({ model, tools, prompt: 'Read', maxRetries: 0 });
      expect(await streamed.text, spec).toBe('Reading.');
      expect(
        (await streamed.toolCalls).map((call) => [call.toolName, call.input]),
        spec,
      ).toEqual([['read_file', { path: 'src/a.ts' }]]);
      expect(await streamed.finishReason, spec).toBe('tool-calls');
      await server.close();
      server = undefined;
    }
  });

  it.each([
    {
      start: startFakeOpenAIServer,
      spec: 'openai-compatible:m',
      env: (url: string): ModelEnv => ({ DRYDOCK_OPENAI_BASE_URL: url }),
      sent: (body: Record<string, unknown>) => (body.messages as unknown[]).at(-1),
      expected: { role: 'tool', tool_call_id: 'call_1', content: 'export const a = 1;' },
    },
    {
      start: startFakeOpenAIServer,
      spec: 'openai:gpt-5',
      env: (url: string): ModelEnv => ({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: url }),
      sent: (body: Record<string, unknown>) => (body.input as unknown[]).at(-1),
      expected: { type: 'function_call_output', call_id: 'call_1', output: 'export const a = 1;' },
    },
    {
      start: startFakeAnthropicServer,
      spec: 'anthropic:claude-sonnet-4-5',
      env: (url: string): ModelEnv => ({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: url }),
      sent: (body: Record<string, unknown>) => (body.messages as unknown[]).at(-1),
      expected: {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'export const a = 1;' }],
      },
    },
  ])('$spec: sends a tool result back in the next call', async ({ start, spec, env, sent, expected }) => {
    server = await start((_body, request) =>
      server?.requests.length === 1
        ? { toolCalls: [{ id: 'call_1', name: 'read_file', input: { path: 'src/a.ts' } }] }
        : `Seen ${request.path}`,
    );
    const model = createLanguageModel(spec, { env: env(server.url), cwd });
    const first = await generateText({ model, tools, prompt: 'Read src/a.ts', maxRetries: 0 });
    const call = first.toolCalls[0]!;
    const messages: ModelMessage[] = [
      { role: 'user', content: 'Read src/a.ts' },
      ...first.response.messages,
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: call.toolCallId,
            toolName: call.toolName,
            output: { type: 'text', value: 'export const a = 1;' },
          },
        ],
      },
    ];
    const second = await generateText({ model, tools, messages, maxRetries: 0 });
    expect(second.text).toMatch(/^Seen /);
    expect(sent(server.requests[1]!.body as Record<string, unknown>)).toMatchObject(expected);
  });

  it('surfaces an HTTP error from the server', async () => {
    server = await startFakeOpenAIServer(() => ({ status: 429, message: 'Slow down' }));
    const model = createLanguageModel('openai-compatible:m', {
      env: { DRYDOCK_OPENAI_BASE_URL: server.url },
      cwd,
    });
    await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow('Slow down');
    expect(server.requests).toHaveLength(1);
  });
});
