import type { ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { applyCompaction, mechanicalSummary, planCompaction } from './compaction.ts';

const user = (content: string): ModelMessage => ({ role: 'user', content });
const call = (id: string): ModelMessage => ({
  role: 'assistant',
  content: [{ type: 'tool-call', toolCallId: id, toolName: 'bash', input: { command: id } }],
});
const result = (id: string): ModelMessage => ({
  role: 'tool',
  content: [{ type: 'tool-result', toolCallId: id, toolName: 'bash', output: { type: 'text', value: 'ok' } }],
});

function conversation(steps: number): ModelMessage[] {
  const messages = [user('the task')];
  for (let i = 0; i < steps; i++) messages.push(call(`c${i}`), result(`c${i}`));
  return messages;
}

describe('planCompaction', () => {
  it('keeps the task and starts the kept tail at an assistant message', () => {
    const plan = planCompaction(conversation(10), 5)!;
    expect(plan.head).toEqual([user('the task')]);
    expect(plan.tail[0]?.role).toBe('assistant');
    expect(plan.tail.length).toBeLessThanOrEqual(5);
    expect(plan.head.length + plan.middle.length + plan.tail.length).toBe(21);
  });

  it('returns null when there is nothing to summarise', () => {
    expect(planCompaction(conversation(2), 8)).toBeNull();
    expect(planCompaction([user('only the task')], 8)).toBeNull();
  });

  it('never separates a tool result from its call', () => {
    for (let keep = 1; keep < 12; keep++) {
      const plan = planCompaction(conversation(8), keep);
      if (plan) expect(plan.tail[0]?.role).toBe('assistant');
    }
  });
});

describe('applyCompaction', () => {
  it('puts the summary between the task and the recent steps', () => {
    const plan = planCompaction(conversation(10), 4)!;
    const messages = applyCompaction(plan, 'did things');
    expect(messages[0]).toEqual(user('the task'));
    expect(JSON.stringify(messages[1])).toContain('did things');
    expect(messages.slice(2)).toEqual(plan.tail);
  });

  it('falls back to listing the tool calls', () => {
    expect(mechanicalSummary([call('npm test')])).toContain('bash {"command":"npm test"}');
  });
});
