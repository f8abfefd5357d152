import { afterEach, describe, expect, it } from 'vitest';
import { createMemorySandbox } from '../../test/fakes/memory-sandbox.ts';
import { type FakeServer, startFakeOpenAIServer } from '../../test/fakes/openai-compatible-server.ts';
import type { EventData } from '../core/events.ts';
import type { ResolvedModel } from '../core/ports/models.ts';
import type { Budget } from '../core/session.ts';
import { DEFAULT_BUDGET } from '../core/session.ts';
import { createRedactor } from '../environments/redactor.ts';
import { createModelRouter } from '../models/router.ts';
import type { ScriptTurn } from '../models/script-file.ts';
import { createScriptedModel } from '../models/scripted-model.ts';
import type { AgentRun } from './agent-run.ts';
import type { AgentState } from './agent-state.ts';
import { initialAgentState } from './agent-state.ts';
import { runAgent } from './loop.ts';
import { createCodingTools } from './tools/index.ts';

function scripted(
  turns: ScriptTurn[],
  contextWindow = 200_000,
): ResolvedModel & { model: ReturnType<typeof createScriptedModel> } {
  return { spec: 'script:test', model: createScriptedModel(turns), contextWindow, pricing: null };
}

/** Runs the loop with an in-memory sandbox, collecting what it records. */
async function run(options: {
  coder: ResolvedModel;
  summarizer?: ResolvedModel;
  files?: Record<string, string>;
  budget?: Partial<Budget>;
  state?: AgentState;
  compactAtTokens?: number;
  signal?: AbortSignal;
  pause?: AbortSignal;
  /** Called after each record, with what was recorded so far. */
  onRecord?: (events: EventData[]) => void;
  onExec?: Parameters<typeof createMemorySandbox>[1];
  takeMessages?: () => Promise<string[]>;
  /** Record live events (`model.delta`, `tool.output`) too, into the same list. */
  live?: boolean;
  redact?: AgentRun['redact'];
}) {
  const sandbox = createMemorySandbox(options.files ?? {}, options.onExec);
  const events: EventData[] = [];
  const checkpoints: AgentState[] = [];
  const artifacts: string[] = [];
  let clockMs = 0;
  const agentRun: AgentRun = {
    coder: options.coder,
    summarizer: options.summarizer ?? scripted([{ text: 'summary of the earlier steps' }]),
    system: 'You are a test agent.',
    tools: createCodingTools(),
    sandbox,
    budget: { ...DEFAULT_BUDGET, ...options.budget },
    state: options.state ?? initialAgentState('Fix the bug in a.txt'),
    signal: options.signal ?? new AbortController().signal,
    host: {
      async record(newEvents, state) {
        events.push(...newEvents);
        checkpoints.push(structuredClone(state));
        options.onRecord?.(events);
      },
      async saveArtifact(_name, content) {
        artifacts.push(content);
        return `artifact-${artifacts.length}`;
      },
      nowMs: () => (clockMs += 10),
      ...(options.takeMessages ? { takeMessages: options.takeMessages } : {}),
      ...(options.live
        ? {
            async recordLive(newEvents: EventData[]) {
              events.push(...newEvents);
            },
          }
        : {}),
    },
    ...(options.redact ? { redact: options.redact } : {}),
    ...(options.compactAtTokens ? { compactAtTokens: options.compactAtTokens } : {}),
    ...(options.pause ? { pause: options.pause } : {}),
  };
  const final = await runAgent(agentRun);
  return { final, events, checkpoints, artifacts, sandbox };
}

const types = (events: EventData[]) => events.map((event) => event.type);

describe('agent loop: live command output', () => {
  it("streams a command's output, redacted, as tool.output events before its tool.result", async () => {
    const secret = 'sk-live-0123456789abcdef';
    const coder = scripted([
      { toolCalls: [{ name: 'bash', input: { command: 'npm test' } }] },
      { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] },
    ]);
    const { events } = await run({
      coder,
      live: true,
      redact: createRedactor([{ name: 'API_KEY', value: secret }]),
      onExec: (_command, options) => {
        options.onOutput?.('running 3 tests\n', 'stdout');
        options.onOutput?.(`key ${secret.slice(0, 10)}`, 'stderr');
        options.onOutput?.(`${secret.slice(10)}\n`, 'stderr');
        return { output: `running 3 tests\nkey ${secret}\n` };
      },
    });
    const outputs = events.filter((event) => event.type === 'tool.output');
    const call = events.find((event) => event.type === 'tool.call');
    expect(outputs.length).toBeGreaterThan(0);
    expect(outputs.map((event) => event.text).join('')).toBe('running 3 tests\nkey [secret API_KEY]\n');
    for (const event of outputs) {
      expect(event).toMatchObject({
        step: 1,
        toolCallId: call?.type === 'tool.call' ? call.toolCallId : '?',
      });
      expect(event.text).not.toContain(secret.slice(0, 10));
    }
    const order = types(events);
    expect(order.lastIndexOf('tool.output')).toBeLessThan(order.indexOf('tool.result'));
  });

  it('writes no tool.output without a live host, and none for tools that print nothing', async () => {
    const coder = scripted([
      { toolCalls: [{ name: 'bash', input: { command: 'true' } }] },
      { toolCalls: [{ name: 'read_file', input: { path: 'a.txt' } }] },
      { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] },
    ]);
    const quiet = await run({ coder, files: { 'a.txt': 'x' }, live: true });
    expect(types(quiet.events)).not.toContain('tool.output');
    const unwatched = await run({
      coder: scripted([
        { toolCalls: [{ name: 'bash', input: { command: 'echo hi' } }] },
        { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] },
      ]),
      onExec: (_command, options) => {
        options.onOutput?.('hi\n', 'stdout');
        return { output: 'hi\n' };
      },
    });
    expect(types(unwatched.events)).not.toContain('tool.output');
  });
});

describe('agent loop (scripted model)', () => {
  it('runs tools against the sandbox and stops when the agent finishes', async () => {
    const coder = scripted([
      { text: 'Reading.', toolCalls: [{ name: 'read_file', input: { path: 'a.txt' } }] },
      { toolCalls: [{ name: 'edit_file', input: { path: 'a.txt', oldText: 'bug', newText: 'fix' } }] },
      { toolCalls: [{ name: 'finish', input: { summary: 'replaced bug with fix' } }] },
    ]);
    const { final, events, sandbox, checkpoints } = await run({ coder, files: { 'a.txt': 'a bug here\n' } });
    expect(final.outcome).toEqual({ kind: 'finished', summary: 'replaced bug with fix' });
    expect(sandbox.files.get('a.txt')?.toString()).toBe('a fix here\n');
    expect(final.step).toBe(3);
    expect(types(events).filter((type) => type === 'tool.result')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'agent.stopped', outcome: 'finished' });
    // The model saw the numbered file content as the tool result of its first call.
    const secondPrompt = JSON.stringify(coder.model.calls[1]?.prompt);
    expect(secondPrompt).toContain('1| a bug here');
    // Every checkpoint is a complete state a resumed run could continue from.
    expect(checkpoints.at(-1)?.outcome?.kind).toBe('finished');
  });

  it('appends follow-up messages as user messages before the next model call, each once', async () => {
    const coder = scripted([
      { toolCalls: [{ name: 'list_files', input: {} }] },
      { toolCalls: [{ name: 'list_files', input: {} }] },
      { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] },
    ]);
    const inbox = [[], ['also rename the file'], []] as string[][];
    const { final } = await run({ coder, takeMessages: async () => inbox.shift() ?? [] });
    expect(final.outcome?.kind).toBe('finished');
    const prompts = coder.model.calls.map((call) => JSON.stringify(call.prompt));
    expect(prompts[0]).not.toContain('also rename the file');
    expect(prompts[1]).toContain('also rename the file');
    const userTurns = final.messages.filter(
      (message) => message.role === 'user' && JSON.stringify(message.content).includes('also rename'),
    );
    expect(userTurns).toHaveLength(1);
  });

  it('returns tool failures to the model as error results, and the model can recover', async () => {
    const coder = scripted([
      { toolCalls: [{ name: 'read_file', input: { path: 'missing.txt' } }] },
      { toolCalls: [{ name: 'read_file', input: { path: '../../etc/passwd' } }] },
      { toolCalls: [{ name: 'no_such_tool', input: {} }] },
      { toolCalls: [{ name: 'give_up', input: { reason: 'nothing to fix' } }] },
    ]);
    const { final, events } = await run({ coder });
    const results = events.filter((event) => event.type === 'tool.result');
    expect(results.map((result) => result.isError)).toEqual([true, true, true, false]);
    expect(results[1]?.output).toContain('outside the workspace');
    expect(results[2]?.output).toContain('Unknown tool "no_such_tool"');
    expect(final.outcome).toEqual({ kind: 'gave_up', reason: 'nothing to fix' });
    const prompt = JSON.stringify(coder.model.calls[1]?.prompt);
    expect(prompt).toContain('No file at');
  });

  it('stops with budget_exhausted when the step budget is spent', async () => {
    const coder = scripted(
      Array.from({ length: 10 }, (_, i) => ({
        toolCalls: [{ name: 'bash', input: { command: `echo ${i}` } }],
      })),
    );
    const { final, events } = await run({ coder, budget: { maxSteps: 3 } });
    expect(final.outcome?.kind).toBe('budget_exhausted');
    expect(final.step).toBe(3);
    expect(events.at(-1)).toMatchObject({ type: 'agent.stopped', outcome: 'budget_exhausted' });
  });

  it('stops with budget_exhausted when the wall time is spent', async () => {
    const coder = scripted(
      Array.from({ length: 50 }, () => ({ toolCalls: [{ name: 'list_files', input: {} }] })),
    );
    const { final } = await run({ coder, budget: { maxWallTimeMs: 100 } });
    expect(final.outcome?.kind).toBe('budget_exhausted');
    expect(final.outcome && 'reason' in final.outcome ? final.outcome.reason : '').toContain('time budget');
  });

  it('detects the same failing call repeated and stops with loop_detected', async () => {
    const failing = { name: 'bash', input: { command: 'npm test' } };
    const coder = scripted(Array.from({ length: 10 }, () => ({ toolCalls: [failing] })));
    const { final } = await run({ coder, onExec: () => ({ exitCode: 1, output: 'FAIL' }) });
    expect(final.outcome?.kind).toBe('loop_detected');
    expect(final.step).toBe(DEFAULT_BUDGET.maxRepeatedFailures);
  });

  it('does not count a failing call that alternates with other calls as a loop', async () => {
    const turns: ScriptTurn[] = [];
    for (let i = 0; i < 4; i++) {
      turns.push({ toolCalls: [{ name: 'bash', input: { command: 'npm test' } }] });
      turns.push({ toolCalls: [{ name: 'bash', input: { command: `edit ${i}` } }] });
    }
    turns.push({ toolCalls: [{ name: 'finish', input: { summary: 'done' } }] });
    const { final } = await run({
      coder: scripted(turns),
      onExec: (command) => ({ exitCode: command === 'npm test' ? 1 : 0 }),
    });
    expect(final.outcome?.kind).toBe('finished');
  });

  it('ends with gave_up when the model keeps answering without tools (an exhausted script)', async () => {
    const { final, events } = await run({ coder: scripted([]) });
    expect(final.outcome?.kind).toBe('gave_up');
    expect(events.filter((event) => event.type === 'model.response')).toHaveLength(3);
  });

  it('ends the run with model_error instead of throwing when the model fails', async () => {
    const broken = createScriptedModel(() => {
      throw new Error('provider exploded');
    });
    const { final, events } = await run({
      coder: { spec: 'script:x', model: broken, contextWindow: 1000, pricing: null },
    });
    expect(final.outcome?.kind).toBe('model_error');
    expect(events.find((event) => event.type === 'model.error')).toMatchObject({
      message: expect.stringContaining('provider exploded'),
    });
  });

  it('stops as cancelled when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { final } = await run({
      coder: scripted([{ toolCalls: [{ name: 'list_files', input: {} }] }]),
      signal: controller.signal,
    });
    expect(final.outcome?.kind).toBe('cancelled');
  });

  it('pauses after the step in flight is recorded, and a resumed run answers its tool calls first', async () => {
    const turns: ScriptTurn[] = [
      { toolCalls: [{ name: 'write_file', input: { path: 'one.txt', content: '1' } }] },
      { toolCalls: [{ name: 'write_file', input: { path: 'two.txt', content: '2' } }] },
      { toolCalls: [{ name: 'finish', input: { summary: 'wrote two files' } }] },
    ];
    // The worker stops while the second model call is in flight: its response is recorded, its call not run.
    const pause = new AbortController();
    const first = await run({
      coder: scripted(turns),
      pause: pause.signal,
      onRecord: (events) => {
        if (events.filter((event) => event.type === 'tool.result').length === 1) pause.abort();
      },
    });
    expect(first.final.outcome).toBeNull();
    expect(first.final.step).toBe(1);
    expect(first.sandbox.files.has('two.txt')).toBe(false);
    expect(types(first.events)).not.toContain('agent.stopped');
    const last = first.checkpoints.at(-1);
    expect(last?.step).toBe(1);

    // Paused between a recorded model response and its tools: the resumed run runs the pending call first.
    const between = new AbortController();
    const second = await run({
      coder: scripted(turns),
      state: last,
      files: { 'one.txt': '1' },
      pause: between.signal,
      onRecord: (events) => {
        if (events.some((event) => event.type === 'model.response')) between.abort();
      },
    });
    expect(second.final.outcome).toBeNull();
    expect(second.final.step).toBe(2);
    expect(types(second.events)).toEqual(['model.response', 'tool.call']);
    expect(second.sandbox.files.has('two.txt')).toBe(false);

    const resumed = await run({ coder: scripted(turns), state: second.final, files: { 'one.txt': '1' } });
    expect(types(resumed.events).slice(0, 2)).toEqual(['tool.result', 'model.response']);
    expect(resumed.sandbox.files.get('two.txt')?.toString()).toBe('2');
    expect(resumed.final.outcome).toEqual({ kind: 'finished', summary: 'wrote two files' });
  });

  it('keeps truncated tool output in full as an artifact', async () => {
    const big = 'x'.repeat(100_000);
    const coder = scripted([
      { toolCalls: [{ name: 'bash', input: { command: 'cat big' } }] },
      { toolCalls: [{ name: 'finish', input: { summary: 's' } }] },
    ]);
    const { events, artifacts } = await run({ coder, onExec: () => ({ output: big }) });
    const result = events.find((event) => event.type === 'tool.result');
    expect(result?.type === 'tool.result' && result.artifactId).toBe('artifact-1');
    expect(result?.type === 'tool.result' && result.output.length).toBeLessThan(35_000);
    expect(artifacts[0]).toContain(big);
  });

  it('compacts the conversation near the context limit, keeping the task and recent steps', async () => {
    const turns: ScriptTurn[] = Array.from({ length: 12 }, (_, i) => ({
      text: `step ${i}`,
      toolCalls: [{ name: 'bash', input: { command: `echo ${i}` } }],
    }));
    turns.push({ toolCalls: [{ name: 'finish', input: { summary: 'done' } }] });
    const summarizer = {
      spec: 'script:summarizer',
      model: createScriptedModel((_call, index) => ({ text: `SUMMARY ${index}: ran some echo commands` })),
      contextWindow: 200_000,
      pricing: null,
    };
    const { final, events } = await run({
      coder: scripted(turns),
      summarizer,
      compactAtTokens: 1500,
      onExec: () => ({ output: 'y'.repeat(1000) }),
    });
    expect(final.outcome?.kind).toBe('finished');
    const compactions = events.filter((event) => event.type === 'context.compacted');
    expect(compactions.length).toBeGreaterThan(0);
    expect(compactions[0]).toMatchObject({ removedMessages: expect.any(Number) });
    const first = compactions[0];
    if (first?.type === 'context.compacted') expect(first.tokensAfter).toBeLessThan(first.tokensBefore);
    expect(final.messages[0]).toEqual({ role: 'user', content: 'Fix the bug in a.txt' });
    expect(JSON.stringify(final.messages[1])).toContain('SUMMARY');
    expect(summarizer.model.calls.length).toBeGreaterThan(0);
  });

  it('resumes from a checkpoint without repeating recorded steps', async () => {
    const turns: ScriptTurn[] = [
      { toolCalls: [{ name: 'write_file', input: { path: 'one.txt', content: '1' } }] },
      { toolCalls: [{ name: 'write_file', input: { path: 'two.txt', content: '2' } }] },
      { toolCalls: [{ name: 'finish', input: { summary: 'wrote two files' } }] },
    ];
    const first = await run({ coder: scripted(turns), budget: { maxSteps: 1 } });
    expect(first.final.outcome?.kind).toBe('budget_exhausted');
    // Take the checkpoint recorded after step 1 (before the budget stop) and resume it with the same script.
    const checkpoint = first.checkpoints.find((state) => state.step === 1 && state.outcome === null)!;
    const resumed = await run({
      coder: scripted(turns), // a fresh model with the same script continues after the turns already held
      state: checkpoint,
      files: { 'one.txt': '1' },
    });
    expect(resumed.final.outcome).toEqual({ kind: 'finished', summary: 'wrote two files' });
    expect(resumed.final.step).toBe(3);
    expect(resumed.sandbox.files.get('two.txt')?.toString()).toBe('2');
  });
});

describe('agent loop (real OpenAI-compatible client against a local fake server)', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('drives the real provider client through tool calls to finish', async () => {
    let call = 0;
    server = await startFakeOpenAIServer(() => {
      call++;
      if (call === 1)
        return { text: 'Looking.', toolCalls: [{ name: 'read_file', input: { path: 'a.txt' } }] };
      return {
        toolCalls: [{ name: 'finish', input: { summary: 'read it' } }],
        usage: { inputTokens: 100, outputTokens: 20 },
      };
    });
    const router = createModelRouter({
      default: 'openai-compatible:test-model',
      env: { DRYDOCK_OPENAI_BASE_URL: server.url, DRYDOCK_OPENAI_API_KEY: 'test-key' },
      cwd: process.cwd(),
    });
    const { final, events } = await run({ coder: router.resolve('coder'), files: { 'a.txt': 'hello\n' } });
    expect(final.outcome).toEqual({ kind: 'finished', summary: 'read it' });
    expect(final.usage.inputTokens).toBeGreaterThanOrEqual(100);
    expect(events.find((event) => event.type === 'tool.result')).toMatchObject({
      tool: 'read_file',
      isError: false,
    });
    // The second request carried the tool result back to the model, and the tools were declared.
    const second = server.requests[1]?.body as {
      messages: unknown[];
      tools: Array<{ function: { name: string } }>;
    };
    expect(JSON.stringify(second.messages)).toContain('1| hello');
    expect(second.tools.map((tool) => tool.function.name)).toContain('edit_file');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer test-key');
  });

  it('turns an HTTP error from the provider into a model_error outcome', async () => {
    server = await startFakeOpenAIServer(() => ({ status: 401, message: 'bad key' }));
    const router = createModelRouter({
      default: 'openai-compatible:test-model',
      env: { DRYDOCK_OPENAI_BASE_URL: server.url },
      cwd: process.cwd(),
    });
    const { final } = await run({ coder: router.resolve('coder') });
    expect(final.outcome?.kind).toBe('model_error');
  });
});
