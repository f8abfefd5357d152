import type { ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { friendPrompt, triedSoFar } from './friend.ts';

describe('triedSoFar', () => {
  it("lists the coder's calls in order, marks the failed ones, and keeps drydock's messages but not the task", () => {
    const messages: ModelMessage[] = [
      { role: 'user', content: 'the task' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Running the tests.' },
          { type: 'tool-call', toolCallId: 'c1', toolName: 'bash', input: { command: 'npm test' } },
          { type: 'tool-call', toolCallId: 'c2', toolName: 'read_file', input: { path: 'src/a.js' } },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'c1',
            toolName: 'bash',
            output: { type: 'error-text', value: 'exit 1' },
          },
          {
            type: 'tool-result',
            toolCallId: 'c2',
            toolName: 'read_file',
            output: { type: 'text', value: '1| x' },
          },
        ],
      },
      { role: 'user', content: 'The gate failed:\n  test foo' },
    ];
    expect(triedSoFar(messages)).toBe(
      [
        '- bash {"command":"npm test"} (failed)',
        '- read_file {"path":"src/a.js"}',
        '- drydock said: The gate failed: test foo',
      ].join('\n'),
    );
  });

  it('keeps the latest 40 steps and says how many earlier ones it left out', () => {
    const messages: ModelMessage[] = [{ role: 'user', content: 'task' }];
    for (let index = 0; index < 45; index++) {
      messages.push({
        role: 'assistant',
        content: [
          {
            type: 'tool-call',
            toolCallId: `c${index}`,
            toolName: 'bash',
            input: { command: `step ${index}` },
          },
        ],
      });
    }
    const lines = triedSoFar(messages).split('\n');
    expect(lines[0]).toBe('(5 earlier steps not shown)');
    expect(lines).toHaveLength(41);
    expect(lines.at(-1)).toContain('step 44');
  });

  it('says so when nothing was tried yet', () => {
    expect(triedSoFar([{ role: 'user', content: 'task' }])).toBe('Nothing yet.');
  });
});

describe('friendPrompt', () => {
  it('fences the task, the digest, each file and the question', () => {
    const prompt = friendPrompt({
      task: 'fix it',
      question: 'why?',
      files: [{ path: 'a.js', content: 'code' }],
      digest: 'tried things',
    });
    expect(prompt).toBe(
      '<task>\nfix it\n</task>\n\n<session-so-far>\ntried things\n</session-so-far>\n\n<file path="a.js">\ncode\n</file>\n\n<question>\nwhy?\n</question>',
    );
  });
});
