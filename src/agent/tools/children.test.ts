import { describe, expect, it } from 'vitest';
import { createMemorySandbox } from '../../../test/fakes/memory-sandbox.ts';
import type { EventData } from '../../core/events.ts';
import { runTool } from '../run-tool.ts';
import { ToolError } from '../tool.ts';
import { type ChildDesk, type ChildReport, createChildTools } from './children.ts';

const child = (id: string, fields: Partial<ChildReport> = {}): ChildReport => ({
  id,
  state: 'delivered',
  task: `part ${id}`,
  model: 'openai:gpt-5-mini',
  summary: `did ${id}`,
  reason: null,
  costUsd: 0.25,
  ...fields,
});

/** A desk whose children have spent `rolled` since the last tool, and ended as `ended` says. */
function fakeDesk(rolled: { costUsd: number; ended: EventData[] }): ChildDesk {
  return {
    spawn: async (input) => {
      if (input.task === 'one too many')
        throw new ToolError('No more children: this manager has spawned 5 of the 5 it may.');
      return child('c1', { state: 'queued', task: input.task });
    },
    wait: async () => ({
      reports: [child('c1'), child('c2', { state: 'bowed_out', summary: null, reason: 'no idea' })],
      interrupted: false,
    }),
    result: async (id) => ({
      ...child(id),
      diff: '-old\n+new\n',
      checks: 'passed',
      findings: ['R1-1 minor a.ts:3: naming'],
    }),
    message: async (id) => child(id, { state: 'queued' }),
    cancel: async (id) => child(id, { state: 'cancelled' }),
    integrate: async () => ({ files: ['a.ts', 'b.ts'], conflicts: ['b.ts'] }),
    rollUp: async () => ({
      usage: rolled.costUsd === 0 ? null : { inputTokens: 10, outputTokens: 2, costUsd: rolled.costUsd },
      events: rolled.ended,
    }),
  };
}

const run = (desk: ChildDesk, name: string, input: unknown) =>
  runTool(new Map(createChildTools(desk).map((tool) => [tool.name, tool])), name, input, {
    sandbox: createMemorySandbox({}),
    signal: new AbortController().signal,
  });

describe("the manager's child tools", () => {
  it('hand the loop what children spent since the last tool and how they ended, after their own events', async () => {
    const ended: EventData = { type: 'child.ended', childId: 'c0', state: 'delivered', reason: null };
    const spawned = await run(fakeDesk({ costUsd: 0.5, ended: [ended] }), 'spawn_child', {
      task: 'part one',
    });
    expect(spawned).toMatchObject({ isError: false, usage: { costUsd: 0.5 } });
    expect(spawned.events).toEqual([
      { type: 'child.spawned', childId: 'c1', kind: 'child', task: 'part one', model: 'openai:gpt-5-mini' },
      ended,
    ]);
    const quiet = await run(fakeDesk({ costUsd: 0, ended: [] }), 'cancel_child', { id: 'c1' });
    expect(quiet).not.toHaveProperty('usage');
    expect(quiet.output).toMatch(/^c1 cancelled/);
  });

  it('answer a refused spawn as a tool error the model reads', async () => {
    const refused = await run(fakeDesk({ costUsd: 0, ended: [] }), 'spawn_child', { task: 'one too many' });
    expect(refused).toMatchObject({ isError: true, output: expect.stringMatching(/No more children/) });
  });

  it('say how children ended, what a child did, and where an integration conflicts', async () => {
    const desk = fakeDesk({ costUsd: 0, ended: [] });
    const waited = await run(desk, 'wait_children', {});
    expect(waited.output).toMatch(
      /c1 delivered \(\$0\.2500\): part c1\n {2}summary: did c1\nc2 bowed_out[^\n]*\n {2}reason: no idea/,
    );
    expect(waited.summary).toBe('2 children: 1 delivered, 1 bowed_out');
    expect((await run(desk, 'child_result', { id: 'c1' })).output).toMatch(
      /Checks: passed\nFindings: \n- R1-1 minor a\.ts:3: naming\nChange:\n-old\n\+new/,
    );
    const integrated = await run(desk, 'integrate_child', { id: 'c1' });
    expect(integrated.output).toMatch(
      /Took in c1's change: a\.ts, b\.ts\.\nConflicts \(resolve the markers in these files\): b\.ts\./,
    );
    expect(integrated.events).toEqual([
      { type: 'child.integrated', childId: 'c1', files: ['a.ts', 'b.ts'], conflicts: ['b.ts'] },
    ]);
  });
});
