import type { LanguageModelV3CallOptions } from '@ai-sdk/provider';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { createMemorySandbox } from '../../../test/fakes/memory-sandbox.ts';
import type { EventData } from '../../core/events.ts';
import type { ResolvedModel } from '../../core/ports/models.ts';
import { DEFAULT_BUDGET, type Usage, ZERO_USAGE } from '../../core/session.ts';
import type { ScriptTurn } from '../../models/script-file.ts';
import { createScriptedModel } from '../../models/scripted-model.ts';
import { initialAgentState } from '../agent-state.ts';
import { MAX_FRIEND_FILE_CHARS, MAX_FRIEND_FILES_CHARS } from '../friend.ts';
import { runAgent } from '../loop.ts';
import { createAskFriendTool, type FriendDesk, readFriendFiles } from './ask-friend.ts';
import { createCodingTools } from './index.ts';

const TASK = 'Make parse() accept trailing commas.';

/** A friend that answers `answers` in turn and reports 1,000 input and 200 output tokens a call. */
function pricedFriend(answers: string[]): ResolvedModel & { calls: LanguageModelV3CallOptions[] } {
  const calls: LanguageModelV3CallOptions[] = [];
  const model = new MockLanguageModelV3({
    doGenerate: async (options) => {
      calls.push(options);
      return {
        content: [{ type: 'text', text: answers[calls.length - 1] ?? 'no more answers' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 1_000, noCache: 1_000, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 200, text: 200, reasoning: 0 },
        },
        warnings: [],
      };
    },
  });
  // $15 / $75 per million tokens: 1,000 in and 200 out cost $0.03.
  return {
    spec: 'test:friend',
    model,
    contextWindow: 200_000,
    pricing: { inputPerMTok: 15, outputPerMTok: 75 },
    calls,
  };
}

/** A desk that allows `maxConsults` and keeps its tally in memory, as the session's does in the checkpoint. */
function desk(friend: ResolvedModel, maxConsults: number) {
  const spent: Usage[] = [];
  const friendDesk: FriendDesk = {
    friend,
    task: TASK,
    refusal: () => (spent.length >= maxConsults ? 'The friend budget is spent: go on without it.' : null),
    digest: async () => 'What the agent did so far:\n- bash {"command":"npm test"} (failed)',
    spent: (usage) => spent.push(usage),
    nowMs: () => 0,
  };
  return { friendDesk, spent };
}

async function runCoder(turns: ScriptTurn[], friendDesk: FriendDesk, files: Record<string, string>) {
  const coder = createScriptedModel(turns);
  const tools = createCodingTools();
  const askFriend = createAskFriendTool(friendDesk);
  tools.set(askFriend.name, askFriend);
  const events: EventData[] = [];
  const final = await runAgent({
    coder: { spec: 'script:coder', model: coder, contextWindow: 200_000, pricing: null },
    summarizer: {
      spec: 'script:summary',
      model: createScriptedModel([]),
      contextWindow: 200_000,
      pricing: null,
    },
    system: 'You are a test agent.',
    tools,
    sandbox: createMemorySandbox(files),
    budget: DEFAULT_BUDGET,
    state: initialAgentState(TASK),
    signal: new AbortController().signal,
    host: {
      record: async (recorded) => {
        events.push(...recorded);
      },
      saveArtifact: async () => 'artifact',
      nowMs: () => 0,
    },
  });
  return { final, events, coder };
}

const ask = (question: string, files?: string[]): ScriptTurn => ({
  toolCalls: [{ name: 'ask_friend', input: { question, ...(files ? { files } : {}) } }],
});
const finish: ScriptTurn = { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] };

describe('ask_friend', () => {
  it('shows the friend the task, the question, the files and the digest; the answer reaches the coder; the consult is an event and its cost counts', async () => {
    const friend = pricedFriend(['Split on commas and drop the empty last field.']);
    const { friendDesk, spent } = desk(friend, 5);
    const { final, events, coder } = await runCoder(
      [ask('How do I handle the trailing comma?', ['src/parse.js']), finish],
      friendDesk,
      { 'src/parse.js': 'export function parse(s) { return s.split(","); }\n' },
    );

    const friendPrompt = JSON.stringify(friend.calls[0]?.prompt);
    expect(friendPrompt).toContain(TASK);
    expect(friendPrompt).toContain('How do I handle the trailing comma?');
    expect(friendPrompt).toContain('return s.split(\\",\\")');
    expect(friendPrompt).toContain('npm test');

    expect(JSON.stringify(coder.calls[1]?.prompt)).toContain(
      'Split on commas and drop the empty last field.',
    );
    expect(final.outcome?.kind).toBe('finished');
    expect(spent).toHaveLength(1);

    const consulted = events.filter((event) => event.type === 'friend.consulted');
    expect(consulted).toEqual([
      expect.objectContaining({
        trigger: 'tool',
        model: 'test:friend',
        question: 'How do I handle the trailing comma?',
        files: ['src/parse.js'],
        answer: 'Split on commas and drop the empty last field.',
        usage: { inputTokens: 1_000, outputTokens: 200, costUsd: 0.03 },
      }),
    ]);
    // After its tool result, in the same step.
    const types = events.map((event) => event.type);
    expect(types.indexOf('friend.consulted')).toBe(types.indexOf('tool.result') + 1);
    // The coder's own calls are free (scripted): the session's cost is the friend's.
    // The scripted coder has no price: the total says so rather than counting its calls as $0.
    expect(final.usage).toEqual({ inputTokens: 1_000, outputTokens: 200, costUsd: 0.03, costUnknown: true });
  });

  it('answers that the budget is spent once it is, without calling the friend', async () => {
    const friend = pricedFriend(['first answer', 'second answer']);
    const { friendDesk } = desk(friend, 1);
    const { events, coder, final } = await runCoder([ask('one?'), ask('two?'), finish], friendDesk, {});

    expect(friend.calls).toHaveLength(1);
    expect(events.filter((event) => event.type === 'friend.consulted')).toHaveLength(1);
    const results = events.filter((event) => event.type === 'tool.result' && event.tool === 'ask_friend');
    expect(results.map((event) => event.type === 'tool.result' && event.output)).toEqual([
      expect.stringContaining('first answer'),
      'The friend budget is spent: go on without it.',
    ]);
    expect(JSON.stringify(coder.calls[2]?.prompt)).toContain('The friend budget is spent');
    expect(final.usage.costUsd).toBeCloseTo(0.03, 10);
  });

  it('a friend that fails is an error result the coder reads, and costs nothing', async () => {
    const broken: ResolvedModel = {
      spec: 'test:broken',
      model: new MockLanguageModelV3({
        doGenerate: async () => {
          throw new Error('overloaded');
        },
      }),
      contextWindow: 200_000,
      pricing: null,
    };
    const { friendDesk, spent } = desk(broken, 5);
    const { events, final } = await runCoder([ask('help?'), finish], friendDesk, {});
    const result = events.find((event) => event.type === 'tool.result' && event.tool === 'ask_friend');
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining('overloaded') });
    expect(spent).toHaveLength(0);
    expect(events.some((event) => event.type === 'friend.consulted')).toBe(false);
    expect(final.usage).toEqual({ ...ZERO_USAGE, costUnknown: true });
  });
});

describe('readFriendFiles', () => {
  it('caps each file and all of them, and says why a file is not shown instead of failing', async () => {
    const big = 'x'.repeat(MAX_FRIEND_FILE_CHARS * 2);
    const sandbox = createMemorySandbox({
      'a.txt': big,
      'b.txt': big,
      'c.txt': big,
      'd.txt': big,
      'e.txt': 'small',
      'bin.dat': 'a\0b',
    });
    const files = await readFriendFiles(sandbox, [
      'a.txt',
      '../etc/passwd',
      'missing.txt',
      'bin.dat',
      'b.txt',
      'c.txt',
      'd.txt',
      'e.txt',
      'a.txt',
    ]);
    expect(files.map((file) => file.path)).toEqual([
      'a.txt',
      '../etc/passwd',
      'missing.txt',
      'bin.dat',
      'b.txt',
      'c.txt',
      'd.txt',
      'e.txt',
    ]);
    expect(files[0]?.content.length).toBeLessThanOrEqual(MAX_FRIEND_FILE_CHARS);
    expect(files[0]?.content).toContain('characters truncated');
    expect(files[1]?.content).toBe('(not shown: outside the workspace)');
    expect(files[2]?.content).toBe('(not shown: no such file)');
    expect(files[3]?.content).toContain('binary');
    const shown = files.reduce((sum, file) => sum + file.content.length, 0);
    expect(shown).toBeLessThanOrEqual(MAX_FRIEND_FILES_CHARS + 500);
    expect(files[7]?.content).toBe('(not shown: the files shown already fill the space)');
  });
});
