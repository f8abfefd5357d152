import type { ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { cacheBreakpointIndexes, promptCacheKey, withCacheBreakpoints } from './prompt-cache.ts';

const user = (text: string): ModelMessage => ({ role: 'user', content: text });
const assistant = (text: string): ModelMessage => ({ role: 'assistant', content: text });
const tool = (id: string): ModelMessage => ({
  role: 'tool',
  content: [{ type: 'tool-result', toolCallId: id, toolName: 'bash', output: { type: 'text', value: 'ok' } }],
});

describe('cacheBreakpointIndexes', () => {
  it.each<[string, ModelMessage[], number[]]>([
    ['nothing', [], []],
    ['the task alone', [user('task')], [0]],
    [
      'after a step: the end, and the end of the previous request',
      [user('task'), assistant('a'), tool('1')],
      [2, 0],
    ],
    [
      'after a truncated reply (tool results and a notice)',
      [user('task'), assistant('a'), tool('1'), assistant('b'), tool('2'), user('cut off')],
      [5, 2],
    ],
  ])('%s', (_name, messages, indexes) => {
    expect(cacheBreakpointIndexes(messages)).toEqual(indexes);
  });

  it('marks a copy and leaves the stored conversation alone', () => {
    const messages = [user('task'), assistant('a'), tool('1')];
    const before = structuredClone(messages);
    const marked = withCacheBreakpoints(messages);
    expect(messages).toEqual(before);
    expect(marked.map((message) => message.providerOptions)).toEqual([
      { anthropic: { cacheControl: { type: 'ephemeral' } } },
      undefined,
      { anthropic: { cacheControl: { type: 'ephemeral' } } },
    ]);
  });

  it('keeps provider options a message already has', () => {
    const message: ModelMessage = {
      role: 'user',
      content: 'x',
      providerOptions: { anthropic: { other: 1 }, openai: { a: 2 } },
    };
    expect(withCacheBreakpoints([message])[0]?.providerOptions).toEqual({
      anthropic: { other: 1, cacheControl: { type: 'ephemeral' } },
      openai: { a: 2 },
    });
  });
});

describe('promptCacheKey', () => {
  it('is the same across a session’s steps and differs between sessions', () => {
    const key = promptCacheKey('system', [user('task A')]);
    expect(promptCacheKey('system', [user('task A'), assistant('a'), tool('1')])).toBe(key);
    expect(promptCacheKey('system', [user('task B')])).not.toBe(key);
    expect(promptCacheKey('another system', [user('task A')])).not.toBe(key);
    expect(key).toMatch(/^drydock-[0-9a-f]{32}$/);
  });
});
