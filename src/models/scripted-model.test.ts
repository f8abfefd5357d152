import type { LanguageModelV3Prompt } from '@ai-sdk/provider';
import { generateText, type ModelMessage, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createScriptedModel, SCRIPT_EXHAUSTED_TEXT } from './scripted-model.ts';

const tools = {
  read_file: tool({
    description: 'Read a file.',
    inputSchema: z.object({ path: z.string() }),
  }),
};

describe('ScriptedModel', () => {
  it('replays turns in order, returning tool calls as a provider would, then exhausts', async () => {
    const model = createScriptedModel([
      {
        text: 'Reading both.',
        toolCalls: [
          { name: 'read_file', input: { path: 'a.ts' } },
          { name: 'read_file', input: { path: 'b.ts' } },
        ],
      },
      { text: 'Done.' },
    ]);
    expect(model).toMatchObject({
      specificationVersion: 'v3',
      provider: 'drydock-script',
      modelId: 'inline',
    });

    const first = await generateText({ model, tools, prompt: 'Read a.ts and b.ts' });
    expect(first.text).toBe('Reading both.');
    expect(first.finishReason).toBe('tool-calls');
    expect(first.toolCalls.map((call) => [call.toolName, call.input])).toEqual([
      ['read_file', { path: 'a.ts' }],
      ['read_file', { path: 'b.ts' }],
    ]);
    const ids = first.toolCalls.map((call) => call.toolCallId);
    expect(new Set(ids).size).toBe(2);
    expect(first.usage).toMatchObject({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

    const second = await generateText({ model, tools, prompt: 'Go on' });
    expect(second).toMatchObject({ text: 'Done.', finishReason: 'stop' });
    expect(second.toolCalls).toEqual([]);

    const third = await generateText({ model, tools, prompt: 'And now?' });
    expect(third).toMatchObject({ text: SCRIPT_EXHAUSTED_TEXT, finishReason: 'stop' });
    expect(third.toolCalls).toEqual([]);
    expect(model.calls).toHaveLength(3);
  });

  it('streams the same turns through doStream', async () => {
    const model = createScriptedModel([
      { text: 'Let me look at the file.', toolCalls: [{ name: 'read_file', input: { path: 'src/x.ts' } }] },
    ]);
    const result = streamText({ model, tools, prompt: 'Look' });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Let me look at the file.');
    expect((await result.toolCalls).map((call) => [call.toolName, call.input])).toEqual([
      ['read_file', { path: 'src/x.ts' }],
    ]);
    expect(await result.finishReason).toBe('tool-calls');
    expect((await result.usage).totalTokens).toBe(0);
  });

  it('streams a turn’s reasoning before its text, and keeps it in the reply', async () => {
    const model = createScriptedModel([{ reasoning: 'The mean divides by the count.', text: 'Fixing it.' }]);
    const result = streamText({ model, prompt: 'Fix it' });
    const parts: Array<[string, string]> = [];
    for await (const part of result.fullStream) {
      if (part.type === 'reasoning-delta' || part.type === 'text-delta') parts.push([part.type, part.text]);
    }
    expect(parts.filter(([type]) => type === 'reasoning-delta').length).toBeGreaterThan(1);
    expect(parts.map(([, text]) => text).join('')).toBe('The mean divides by the count.Fixing it.');
    expect(parts.findIndex(([type]) => type === 'text-delta')).toBeGreaterThan(
      parts.findLastIndex(([type]) => type === 'reasoning-delta'),
    );
    expect(await result.reasoningText).toBe('The mean divides by the count.');

    const generated = await generateText({
      model: createScriptedModel([{ reasoning: 'Think.', text: 'Done.' }]),
      prompt: 'Go',
    });
    expect(generated).toMatchObject({ reasoningText: 'Think.', text: 'Done.' });
  });

  it('records what the model saw, including tool results sent back as a tool message', async () => {
    const model = createScriptedModel([
      { toolCalls: [{ name: 'read_file', input: { path: 'a.ts' } }] },
      { text: 'The file exports x.' },
    ]);
    const first = await generateText({
      model,
      tools,
      system: 'You are a coder.',
      prompt: 'What is in a.ts?',
    });
    const call = first.toolCalls[0]!;
    // The shape the agent loop sends back: the assistant's messages, then one tool message.
    const messages: ModelMessage[] = [
      { role: 'user', content: 'What is in a.ts?' },
      ...first.response.messages,
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: call.toolCallId,
            toolName: call.toolName,
            output: { type: 'text', value: 'export const x = 1;' },
          },
        ],
      },
    ];
    const second = await generateText({ model, tools, system: 'You are a coder.', messages });
    expect(second.text).toBe('The file exports x.');

    const seen: LanguageModelV3Prompt = model.calls[1]!.prompt;
    expect(seen.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(seen[2]).toMatchObject({
      role: 'assistant',
      content: [
        { type: 'tool-call', toolCallId: call.toolCallId, toolName: 'read_file', input: { path: 'a.ts' } },
      ],
    });
    expect(seen[3]).toMatchObject({
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: call.toolCallId,
          output: { type: 'text', value: 'export const x = 1;' },
        },
      ],
    });
    expect(model.calls[0]!.tools?.map((t) => t.name)).toEqual(['read_file']);
  });

  it('accepts a responder function and treats undefined as exhausted', async () => {
    const model = createScriptedModel((call, index) =>
      index === 0 ? { text: `You said ${JSON.stringify(call.prompt.at(-1)?.content)}` } : undefined,
    );
    expect((await generateText({ model, prompt: 'hi' })).text).toBe('You said [{"type":"text","text":"hi"}]');
    expect((await generateText({ model, prompt: 'again' })).text).toBe(SCRIPT_EXHAUSTED_TEXT);
  });

  it('gives an empty answer for an empty turn', async () => {
    const model = createScriptedModel([{}]);
    const result = await generateText({ model, prompt: 'hi' });
    expect(result).toMatchObject({ text: '', finishReason: 'stop' });
  });

  it('honours an aborted signal without consuming a turn', async () => {
    const model = createScriptedModel([{ text: 'one' }]);
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(
      generateText({ model, prompt: 'hi', abortSignal: controller.signal, maxRetries: 0 }),
    ).rejects.toThrow('cancelled');
    expect((await generateText({ model, prompt: 'hi' })).text).toBe('one');
  });
});

describe('ScriptedModel resumed by another process', () => {
  it('continues after the assistant turns the conversation already holds', async () => {
    const turns = [{ text: 'one' }, { text: 'two' }, { text: 'three' }];
    const fresh = createScriptedModel(turns);
    const messages: ModelMessage[] = [
      { role: 'user', content: 'task' },
      { role: 'assistant', content: 'one' },
      { role: 'user', content: 'go on' },
      { role: 'assistant', content: 'two' },
      { role: 'user', content: 'go on' },
    ];
    const result = await generateText({ model: fresh, messages });
    expect(result.text).toBe('three');
  });
});
