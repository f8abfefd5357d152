import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateText, tool } from 'ai';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeServer, startFakeOpenAIServer } from '../../test/fakes/openai-compatible-server.ts';
import { BadInputError } from '../core/errors.ts';
import { DEFAULT_CONTEXT_WINDOW } from './catalog.ts';
import { createModelRouter, DEFAULT_MODEL_SPEC, friendSpecFromEnv, modelSpecFromEnv } from './router.ts';
import { SCRIPT_EXHAUSTED_TEXT, ScriptedModel } from './scripted-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'drydock-router-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(action: () => unknown): BadInputError {
  try {
    action();
  } catch (error) {
    if (error instanceof BadInputError) return error;
    throw error;
  }
  throw new Error('expected a BadInputError');
}

async function say(router: ReturnType<typeof createModelRouter>, role: 'coder' | 'reviewer' | 'friend') {
  return (await generateText({ model: router.resolve(role).model, prompt: 'next' })).text;
}

describe('modelSpecFromEnv', () => {
  it.each([
    ['openai:gpt-5', { DRYDOCK_MODEL: 'anthropic:claude-opus-4-1' }, 'openai:gpt-5'],
    [undefined, { DRYDOCK_MODEL: 'anthropic:claude-opus-4-1' }, 'anthropic:claude-opus-4-1'],
    ['  ', { DRYDOCK_MODEL: ' openai:gpt-4o ' }, 'openai:gpt-4o'],
    [undefined, { DRYDOCK_MODEL: '' }, 'anthropic:claude-sonnet-4-5'],
    [undefined, {}, DEFAULT_MODEL_SPEC],
  ])('flag %j with env %j → %s', (flag, env, expected) => {
    expect(modelSpecFromEnv(flag, env)).toBe(expected);
  });
});

describe('friendSpecFromEnv', () => {
  it.each([
    ['openai:gpt-5', { DRYDOCK_FRIEND_MODEL: 'anthropic:claude-opus-4-1' }, 'openai:gpt-5'],
    [undefined, { DRYDOCK_FRIEND_MODEL: ' anthropic:claude-opus-4-1 ' }, 'anthropic:claude-opus-4-1'],
    ['  ', { DRYDOCK_FRIEND_MODEL: '' }, undefined],
    // No default: without a friend named, sessions have none (DRYDOCK_MODEL is not a friend).
    [undefined, { DRYDOCK_MODEL: 'openai:gpt-5' }, undefined],
  ])('flag %j with env %j → %s', (flag, env, expected) => {
    expect(friendSpecFromEnv(flag, env)).toBe(expected);
  });
});

describe('createModelRouter', () => {
  it('resolves every role eagerly: a missing key for any role fails at creation', () => {
    const error = errorOf(() =>
      createModelRouter({
        default: 'script:demo',
        roles: { friend: 'anthropic:claude-opus-4-1' },
        env: {},
        cwd: dir,
        scripts: { demo: [] },
      }),
    );
    expect(error.code).toBe('missing_api_key');
    expect(error.message).toContain('anthropic:claude-opus-4-1 needs ANTHROPIC_API_KEY');
  });

  it('fails at creation on a bad spec or an invalid script file', () => {
    expect(errorOf(() => createModelRouter({ default: 'gpt-5', env: {}, cwd: dir })).code).toBe(
      'unknown_model',
    );
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ coder: [{ text: 1 }] }));
    const error = errorOf(() => createModelRouter({ default: 'script:bad.json', env: {}, cwd: dir }));
    expect(error.code).toBe('invalid_script');
    expect(error.message).toBe(
      `Script ${join(dir, 'bad.json')} is invalid: coder[0].text: expected string, received number`,
    );
  });

  it('gives each role its own turns when the script is keyed by role', async () => {
    writeFileSync(
      join(dir, 'roles.json'),
      JSON.stringify({
        coder: [{ text: 'coder 1' }, { text: 'coder 2' }],
        reviewer: [{ text: 'reviewer 1' }],
      }),
    );
    const router = createModelRouter({ default: 'script:roles.json', env: {}, cwd: dir });
    expect(await say(router, 'reviewer')).toBe('reviewer 1');
    expect(await say(router, 'coder')).toBe('coder 1');
    expect(await say(router, 'coder')).toBe('coder 2');
    expect(await say(router, 'reviewer')).toBe(SCRIPT_EXHAUSTED_TEXT);
    expect(await say(router, 'friend')).toBe(SCRIPT_EXHAUSTED_TEXT);
    const coder = router.resolve('coder');
    expect(coder).toMatchObject({
      spec: 'script:roles.json',
      contextWindow: DEFAULT_CONTEXT_WINDOW,
      pricing: { inputPerMTok: 0, outputPerMTok: 0 },
    });
    expect(coder.model).toBeInstanceOf(ScriptedModel);
    expect((coder.model as ScriptedModel).calls).toHaveLength(2);
  });

  it('shares one sequence across roles when the script is an array', async () => {
    const router = createModelRouter({
      default: 'script:demo',
      env: {},
      cwd: dir,
      scripts: { demo: [{ text: 'one' }, { text: 'two' }] },
    });
    expect(router.resolve('coder').model).toBe(router.resolve('reviewer').model);
    expect(await say(router, 'coder')).toBe('one');
    expect(await say(router, 'reviewer')).toBe('two');
    expect(await say(router, 'coder')).toBe(SCRIPT_EXHAUSTED_TEXT);
  });

  it('maps roles to their own specs, with catalog info', () => {
    const router = createModelRouter({
      default: 'anthropic:claude-sonnet-4-5',
      roles: { friend: 'anthropic:claude-opus-4-1', summarizer: 'openai:gpt-5-mini' },
      env: { ANTHROPIC_API_KEY: 'k1', OPENAI_API_KEY: 'k2' },
      cwd: dir,
    });
    expect(router.resolve('coder')).toMatchObject({
      spec: 'anthropic:claude-sonnet-4-5',
      contextWindow: 200_000,
      pricing: { inputPerMTok: 3, outputPerMTok: 15 },
      model: { provider: 'anthropic.messages', modelId: 'claude-sonnet-4-5' },
    });
    expect(router.resolve('coder').model).toBe(router.resolve('manager').model);
    expect(router.resolve('friend')).toMatchObject({
      spec: 'anthropic:claude-opus-4-1',
      pricing: { inputPerMTok: 15 },
    });
    expect(router.resolve('summarizer')).toMatchObject({
      spec: 'openai:gpt-5-mini',
      model: { provider: 'openai.responses', modelId: 'gpt-5-mini' },
    });
  });

  describe('openai-compatible through the router', () => {
    let server: FakeServer | undefined;
    afterEach(async () => {
      await server?.close();
    });

    it('returns the fake server tool call; the request carried the tools, model id and bearer key', async () => {
      server = await startFakeOpenAIServer(() => ({
        toolCalls: [{ name: 'run', input: { command: 'npm test' }, id: 'call_abc' }],
      }));
      const router = createModelRouter({
        default: 'openai-compatible:qwen2.5-coder:32b',
        env: { DRYDOCK_OPENAI_BASE_URL: server.url, DRYDOCK_OPENAI_API_KEY: 'sk-local' },
        cwd: dir,
      });
      const resolved = router.resolve('coder');
      expect(resolved).toMatchObject({ contextWindow: DEFAULT_CONTEXT_WINDOW, pricing: null });
      const result = await generateText({
        model: resolved.model,
        tools: {
          run: tool({ description: 'Run a command.', inputSchema: z.object({ command: z.string() }) }),
        },
        prompt: 'Run the tests',
        maxRetries: 0,
      });
      expect(result.toolCalls).toMatchObject([
        { toolCallId: 'call_abc', toolName: 'run', input: { command: 'npm test' } },
      ]);
      expect(server.requests).toHaveLength(1);
      const request = server.requests[0]!;
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.headers.authorization).toBe('Bearer sk-local');
      expect(request.body).toMatchObject({
        model: 'qwen2.5-coder:32b',
        tools: [{ type: 'function', function: { name: 'run', description: 'Run a command.' } }],
      });
    });
  });
});
