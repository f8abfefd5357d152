import { describe, expect, it } from 'vitest';
import { createMemorySandbox } from '../../../test/fakes/memory-sandbox.ts';
import type { EventData } from '../../core/events.ts';
import { DEFAULT_BUDGET } from '../../core/session.ts';
import type { ScriptTurn } from '../../models/script-file.ts';
import { createScriptedModel } from '../../models/scripted-model.ts';
import { type AgentState, initialAgentState } from '../agent-state.ts';
import { runAgent } from '../loop.ts';
import { runTool } from '../run-tool.ts';
import { createCodingTools } from './index.ts';

const tools = createCodingTools();
const context = () => ({ sandbox: createMemorySandbox(), signal: new AbortController().signal });

describe('todo', () => {
  it('replaces the plan as a whole and reads it back as a checklist', async () => {
    const result = await runTool(
      tools,
      'todo',
      {
        items: [
          { text: 'Reproduce the bug with a failing test', status: 'done' },
          { id: 'fix', text: 'Fix parse()', status: 'in_progress' },
          { text: 'Run the checks', status: 'pending' },
        ],
      },
      context(),
    );
    expect(result.isError).toBe(false);
    expect(result.todos).toEqual([
      { id: '1', text: 'Reproduce the bug with a failing test', status: 'done' },
      { id: 'fix', text: 'Fix parse()', status: 'in_progress' },
      { id: '3', text: 'Run the checks', status: 'pending' },
    ]);
    expect(result.output).toBe(
      [
        'Plan (1 of 3 done):',
        '[x] 1. Reproduce the bug with a failing test',
        '[~] fix. Fix parse()',
        '[ ] 3. Run the checks',
      ].join('\n'),
    );
    expect(result.summary).toBe('plan: 1/3 done; now: Fix parse()');
  });

  it('refuses a bad status, an empty text and a repeated id, keeping the plan as it was', async () => {
    const bad = await runTool(tools, 'todo', { items: [{ text: 'x', status: 'later' }] }, context());
    expect(bad).toMatchObject({ isError: true });
    expect(bad.todos).toBeUndefined();
    const empty = await runTool(tools, 'todo', { items: [{ text: '  ', status: 'pending' }] }, context());
    expect(empty.output).toContain('an item needs text');
    const twice = await runTool(
      tools,
      'todo',
      {
        items: [
          { id: 'a', text: 'one', status: 'pending' },
          { id: 'a', text: 'two', status: 'pending' },
        ],
      },
      context(),
    );
    expect(twice).toMatchObject({ isError: true, output: 'Two items have the id "a": give each its own.' });
    expect(twice.todos).toBeUndefined();
  });
});

describe('todo in the agent loop', () => {
  const plan = (status: 'pending' | 'in_progress' | 'done') => ({
    name: 'todo',
    input: { items: [{ text: 'fix it', status }] },
  });

  async function run(turns: ScriptTurn[], state: AgentState, compactAtTokens?: number) {
    const events: EventData[] = [];
    const states: AgentState[] = [];
    const coder = {
      spec: 'script:test',
      model: createScriptedModel(turns),
      contextWindow: 200_000,
      pricing: null,
    };
    const final = await runAgent({
      coder,
      summarizer: {
        spec: 'script:summary',
        model: createScriptedModel([{ text: 'earlier steps' }]),
        contextWindow: 200_000,
        pricing: null,
      },
      system: 'test',
      tools,
      sandbox: createMemorySandbox(),
      budget: DEFAULT_BUDGET,
      state,
      signal: new AbortController().signal,
      host: {
        async record(recorded, next) {
          events.push(...recorded);
          states.push(structuredClone(next));
        },
        saveArtifact: async () => 'artifact',
        nowMs: () => 0,
      },
      ...(compactAtTokens ? { compactAtTokens } : {}),
    });
    return { final, events, states, coder };
  }

  it('keeps the latest plan in the state it checkpoints and logs each update', async () => {
    const { final, events, states } = await run(
      [
        { toolCalls: [plan('in_progress')] },
        { toolCalls: [plan('done'), { name: 'finish', input: { summary: 'done' } }] },
      ],
      initialAgentState('task'),
    );
    expect(events.filter((event) => event.type === 'todo.updated')).toEqual([
      { type: 'todo.updated', step: 1, items: [{ id: '1', text: 'fix it', status: 'in_progress' }] },
      { type: 'todo.updated', step: 2, items: [{ id: '1', text: 'fix it', status: 'done' }] },
    ]);
    expect(states[1]?.todos).toEqual([{ id: '1', text: 'fix it', status: 'in_progress' }]);
    expect(final.todos).toEqual([{ id: '1', text: 'fix it', status: 'done' }]);
  });

  it('resumes with the plan of its checkpoint, and a compacted conversation still shows it', async () => {
    const long = 'x'.repeat(4_000);
    const resumed: AgentState = {
      ...initialAgentState('task'),
      todos: [{ id: '1', text: 'write the failing test', status: 'in_progress' }],
    };
    const turns: ScriptTurn[] = [
      ...Array.from({ length: 6 }, () => ({ text: long, toolCalls: [{ name: 'list_files', input: {} }] })),
      { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] },
    ];
    const { final, events, coder } = await run(turns, resumed, 3_000);
    expect(events.some((event) => event.type === 'context.compacted')).toBe(true);
    expect(final.todos).toEqual(resumed.todos);
    const lastPrompt = JSON.stringify(coder.model.calls.at(-1)?.prompt);
    expect(lastPrompt).toContain('Your plan (todo) as you last wrote it');
    expect(lastPrompt).toContain('[~] 1. write the failing test');
  });
});
