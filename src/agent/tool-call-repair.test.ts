import type { ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { matchToolName, repairJson, withParsableToolInputs } from './tool-call-repair.ts';

describe('matchToolName', () => {
  const tools = ['read_file', 'write_file', 'bash', 'finish'];
  it.each([
    ['Read-File', 'read_file'],
    ['readFile', 'read_file'],
    ['functions.bash', 'bash'],
    ['BASH', 'bash'],
    ['frobnicate', undefined],
    ['file', undefined],
  ])('%s → %s', (name, expected) => {
    expect(matchToolName(name, tools)).toBe(expected);
  });

  it('does not guess between two tools that read alike', () => {
    expect(matchToolName('readfile', ['read_file', 'read-file'])).toBeUndefined();
  });
});

describe('repairJson', () => {
  it.each([
    ['{"path": "a.txt",}', '{"path": "a.txt"}'],
    ["{'path': 'a.txt'}", '{"path": "a.txt"}'],
    ['{path: "a.txt"}', '{"path": "a.txt"}'],
    ['{"path": "a.txt"', '{"path": "a.txt"}'],
    ['"{\\"path\\": \\"a.txt\\"}"', '{"path": "a.txt"}'],
  ])('%s → %s', (text, expected) => {
    expect(JSON.parse(repairJson(text) ?? 'null')).toEqual(JSON.parse(expected));
  });

  it('leaves valid JSON alone (the schema failed, not the syntax) and gives up on what is no object', () => {
    expect(repairJson('{"path": 3}')).toBeUndefined();
    expect(repairJson('not json at all')).toBeUndefined();
    expect(repairJson('[1, 2]')).toBeUndefined();
  });
});

describe('withParsableToolInputs', () => {
  it('replaces raw argument text in calls with an empty object, leaving the rest as it was', () => {
    const messages: ModelMessage[] = [
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Reading.' },
          { type: 'tool-call', toolCallId: 'c1', toolName: 'read_file', input: '{"path": ' },
          { type: 'tool-call', toolCallId: 'c2', toolName: 'bash', input: { command: 'ls' } },
        ],
      },
    ];
    const [message] = withParsableToolInputs(messages);
    expect(message).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Reading.' },
        { type: 'tool-call', toolCallId: 'c1', toolName: 'read_file', input: {} },
        { type: 'tool-call', toolCallId: 'c2', toolName: 'bash', input: { command: 'ls' } },
      ],
    });
    const fine: ModelMessage[] = [{ role: 'assistant', content: 'Done.' }];
    expect(withParsableToolInputs(fine)[0]).toBe(fine[0]);
  });
});
