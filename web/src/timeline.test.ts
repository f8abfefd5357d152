import { describe, expect, it } from 'vitest';
import { latestPlan } from './latest-plan.ts';
import { appendEvent, buildTimeline } from './timeline.ts';
import type { StreamEvent } from './types.ts';

let seq = 0;
const ev = (data: StreamEvent['data']): StreamEvent => ({
  sessionId: 's1',
  seq: ++seq,
  at: '2025-01-01T00:00:00Z',
  data,
});

describe('buildTimeline', () => {
  it("keeps a tool result's screenshots and drops malformed ones", () => {
    seq = 0;
    const items = buildTimeline([
      ev({ type: 'tool.call', step: 1, toolCallId: 'c1', tool: 'browser', input: { action: 'screenshot' } }),
      ev({
        type: 'tool.result',
        step: 1,
        toolCallId: 'c1',
        tool: 'browser',
        isError: false,
        summary: 'screenshot home',
        output: 'Saved',
        images: [{ name: 'home', artifactId: 'a1' }, { name: 3 }, 'x'],
        durationMs: 5,
      }),
    ]);
    const tool = items.find((item) => item.kind === 'tool');
    expect(tool?.kind === 'tool' && tool.result?.images).toEqual([{ name: 'home', artifactId: 'a1' }]);
  });

  it('pairs tool results with their calls and skips empty model text', () => {
    seq = 0;
    const items = buildTimeline([
      ev({ type: 'state.changed', from: 'queued', to: 'working' }),
      ev({
        type: 'model.response',
        step: 1,
        text: 'Running the tests.',
        toolCalls: 1,
        usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
        durationMs: 5,
      }),
      ev({ type: 'tool.call', step: 1, toolCallId: 'c1', tool: 'bash', input: { command: 'npm test' } }),
      ev({
        type: 'model.response',
        step: 2,
        text: '  ',
        toolCalls: 1,
        usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
        durationMs: 5,
      }),
      ev({
        type: 'tool.result',
        step: 1,
        toolCallId: 'c1',
        tool: 'bash',
        isError: true,
        summary: 'exit 1',
        output: 'not ok 1',
        durationMs: 300,
      }),
    ]);
    expect(items.map((i) => i.kind)).toEqual(['state', 'text', 'tool']);
    const tool = items[2];
    expect(tool?.kind === 'tool' && tool.result).toMatchObject({
      isError: true,
      summary: 'exit 1',
      output: 'not ok 1',
      seq: 5,
    });
  });

  it('shows a tool result whose call is missing on its own', () => {
    seq = 0;
    const items = buildTimeline([
      ev({
        type: 'tool.result',
        step: 1,
        toolCallId: 'x',
        tool: 'read_file',
        isError: false,
        summary: 'ok',
        output: 'hi',
        durationMs: 1,
      }),
    ]);
    expect(items).toMatchObject([
      { kind: 'tool', tool: 'read_file', input: undefined, result: { output: 'hi' } },
    ]);
  });

  it('maps verification, review, network and error events, and marks the reviewer', () => {
    seq = 0;
    const items = buildTimeline([
      ev({
        type: 'checks.detected',
        checks: [{ name: 'test', command: 'jest --json', source: 'package.json scripts.test (jest)' }],
        notes: ["the sandbox's Node is v20.20.2; the repository asks for >=22 (package.json engines.node)"],
      }),
      ev({
        type: 'gate.verdict',
        round: 1,
        passed: false,
        problems: ['test failed'],
        warnings: [],
        detectionErrors: ['test (jest): per-test results of the base commit could not be read'],
        failToPass: ['a'],
        passToPass: 3,
      }),
      ev({
        type: 'review.completed',
        round: 1,
        approved: false,
        summary: 'One issue.',
        findings: [{ id: 'f1', round: 1, file: 'a.js', severity: 'major', explanation: 'Missing test.' }],
      }),
      ev({ type: 'network.blocked', host: 'evil.example', port: 443 }),
      ev({ type: 'session.error', code: 'internal', message: 'boom' }),
      ev({ type: 'agent.stopped', step: 4, outcome: 'finished', detail: 'done', role: 'reviewer' }),
    ]);
    expect(items).toMatchObject([
      { kind: 'checks-detected', notes: [expect.stringContaining('asks for >=22')] },
      {
        kind: 'gate',
        passed: false,
        problems: ['test failed'],
        detectionErrors: ['test (jest): per-test results of the base commit could not be read'],
        passToPass: 3,
      },
      { kind: 'review', approved: false, findings: [{ severity: 'major' }] },
      { kind: 'network', host: 'evil.example', port: 443 },
      { kind: 'error', code: 'internal' },
      { kind: 'stopped', role: 'reviewer', outcome: 'finished' },
    ]);
  });

  it("says which of a review's findings were acted on, and by which session", () => {
    seq = 0;
    const items = buildTimeline([
      ev({
        type: 'review.findings_resolved',
        keys: ['a.js#1', 'a.js#2'],
        how: 'gone',
        by: 's2',
        commit: 'abcdef0123456',
      }),
      ev({
        type: 'review.findings_resolved',
        keys: ['a.js#1'],
        how: 'fixed',
        by: 's3',
        commit: 'fedcba9876543',
      }),
    ]);
    expect(items).toMatchObject([
      {
        kind: 'note',
        text: '2 findings of this review acted on: gone in the review of session s2 at abcdef0123',
      },
      { kind: 'note', text: '1 finding of this review acted on: fixed by session s3 at fedcba9876' },
    ]);
  });

  it('renders follow-up messages and unknown event types instead of dropping them', () => {
    seq = 0;
    const items = buildTimeline([
      ev({ type: 'message.received', text: 'Also update the README.' }),
      ev({ type: 'sandbox.resized', memoryMb: 512 }),
    ]);
    expect(items).toMatchObject([
      { kind: 'message', text: 'Also update the README.' },
      { kind: 'unknown', type: 'sandbox.resized', fields: { memoryMb: 512 } },
    ]);
  });

  it("shows the friend's consults: who asked, the question, the answer and what it cost", () => {
    seq = 0;
    const items = buildTimeline([
      ev({
        type: 'friend.consulted',
        trigger: 'gate',
        round: 2,
        model: 'anthropic:claude-opus-4-1',
        question: 'Is the approach wrong?',
        answer: 'Fix the parser, not the test.',
        usage: { inputTokens: 1200, outputTokens: 80, costUsd: 0.024 },
        durationMs: 900,
      }),
      ev({
        type: 'friend.consulted',
        model: 'm',
        question: 'q',
        files: ['src/a.ts'],
        answer: 'a',
        usage: {},
      }),
    ]);
    expect(items).toMatchObject([
      {
        kind: 'friend',
        trigger: 'gate',
        model: 'anthropic:claude-opus-4-1',
        question: 'Is the approach wrong?',
        answer: 'Fix the parser, not the test.',
        inputTokens: 1200,
        outputTokens: 80,
        costUsd: 0.024,
        files: [],
      },
      { kind: 'friend', trigger: 'tool', files: ['src/a.ts'], costUsd: 0 },
    ]);
  });

  it('says who sent a follow-up and who asked to cancel, and keeps older events without a sender', () => {
    seq = 0;
    const items = buildTimeline([
      ev({ type: 'message.received', text: 'Rename it.', by: 'github:octocat', byName: 'octocat' }),
      ev({ type: 'message.received', text: 'From before attribution.' }),
      ev({ type: 'cancel.requested', by: 'token:t1', byName: 'ci bot' }),
    ]);
    expect(items).toMatchObject([
      { kind: 'message', text: 'Rename it.', byName: 'octocat' },
      { kind: 'message', text: 'From before attribution.', byName: null },
      { kind: 'note', text: 'cancel requested by ci bot' },
    ]);
  });

  it('notes a restored sandbox and a cancel request', () => {
    seq = 0;
    const items = buildTimeline([
      ev({ type: 'sandbox.restored', fromLayers: ['a', 'b'], reason: 'the sandbox died' }),
      ev({ type: 'cancel.requested' }),
    ]);
    expect(items).toMatchObject([
      { kind: 'note', text: 'sandbox restored from the last step (2 layers): the sandbox died' },
      { kind: 'note', text: 'cancel requested' },
    ]);
  });

  it('says when the workspace came from the warm pool', () => {
    seq = 0;
    const ready = {
      type: 'workspace.ready',
      baseCommit: '0123456789abcdef',
      path: '/w',
      sandbox: 'bubblewrap',
    };
    const items = buildTimeline([ev({ ...ready, warm: true }), ev({ ...ready, warm: false }), ev(ready)]);
    expect(items.map((item) => ('text' in item ? item.text : ''))).toEqual([
      'workspace ready at 0123456789 (bubblewrap, from the warm pool)',
      'workspace ready at 0123456789 (bubblewrap)',
      'workspace ready at 0123456789 (bubblewrap)',
    ]);
  });
});

describe('a reply as it streams', () => {
  const usage = { inputTokens: 1, outputTokens: 1, costUsd: 0 };

  it('shows the turn in progress live, then replaces it with the response, keeping the thought', () => {
    seq = 0;
    const streaming = [
      ev({ type: 'state.changed', from: 'setup', to: 'working' }),
      ev({ type: 'model.delta', step: 1, attempt: 1, reasoning: 'The test names ' }),
      ev({ type: 'model.delta', step: 1, attempt: 1, reasoning: 'mean.', text: 'Reading ' }),
      ev({ type: 'model.delta', step: 1, attempt: 1, text: 'stats.js.' }),
    ];
    const during = buildTimeline(streaming);
    expect(during.map((item) => item.kind)).toEqual(['state', 'live']);
    expect(during[1]).toMatchObject({
      kind: 'live',
      step: 1,
      text: 'Reading stats.js.',
      reasoning: 'The test names mean.',
    });

    const after = buildTimeline([
      ...streaming,
      ev({ type: 'model.response', step: 1, text: 'Reading stats.js.', toolCalls: 0, usage, durationMs: 5 }),
    ]);
    expect(after.map((item) => item.kind)).toEqual(['state', 'text']);
    expect(after[1]).toMatchObject({ text: 'Reading stats.js.', reasoning: 'The test names mean.' });
  });

  it('starts the live text over when a retry supersedes it, and keeps the reviewer’s apart', () => {
    seq = 0;
    const items = buildTimeline([
      ev({ type: 'model.delta', step: 2, attempt: 1, text: 'broken half' }),
      ev({ type: 'model.delta', step: 1, attempt: 1, text: 'Reviewing.', role: 'reviewer' }),
      ev({ type: 'model.retry', step: 2, attempt: 1, waitMs: 2000, message: 'terminated', superseded: true }),
      ev({ type: 'model.delta', step: 2, attempt: 2, text: 'Whole ' }),
      ev({ type: 'model.delta', step: 2, attempt: 2, text: 'again.' }),
    ]);
    const live = items.filter((item) => item.kind === 'live');
    expect(live.map((item) => [item.role, item.text])).toEqual([
      ['coder', 'Whole again.'],
      ['reviewer', 'Reviewing.'],
    ]);
    expect(items.find((item) => item.kind === 'note')).toMatchObject({
      text: 'model call failed (terminated); retrying in 2 s, starting the reply over',
    });
  });

  it('keeps what drydock repaired in a tool call', () => {
    seq = 0;
    const [item] = buildTimeline([
      ev({
        type: 'tool.call',
        step: 1,
        toolCallId: 'c1',
        tool: 'read_file',
        input: { path: 'a.txt' },
        repaired: 'arguments were not valid JSON and were repaired',
      }),
    ]);
    expect(item).toMatchObject({ kind: 'tool', repaired: 'arguments were not valid JSON and were repaired' });
  });

  it('drops the live text of a call that failed', () => {
    seq = 0;
    const items = buildTimeline([
      ev({ type: 'model.delta', step: 1, attempt: 1, text: 'half a' }),
      ev({ type: 'model.error', step: 1, message: 'Overloaded' }),
    ]);
    expect(items.map((item) => item.kind)).toEqual(['model-error']);
  });
});

describe('appendEvent', () => {
  it('appends in order, ignores duplicates from a replay and sorts a late event in', () => {
    seq = 0;
    const [a, b, c] = [ev({ type: 'x' }), ev({ type: 'y' }), ev({ type: 'z' })] as [
      StreamEvent,
      StreamEvent,
      StreamEvent,
    ];
    let log = appendEvent([], a);
    log = appendEvent(log, c);
    const same = appendEvent(log, c);
    expect(same).toBe(log);
    log = appendEvent(log, b);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});

describe('the agent’s plan', () => {
  const todo = (items: unknown, role?: 'reviewer') =>
    ev({ type: 'todo.updated', step: 1, items, ...(role ? { role } : {}) } as StreamEvent['data']);

  it('shows each update as a checklist, instead of the todo call that made it; a failed call stays', () => {
    seq = 0;
    const items = buildTimeline([
      ev({ type: 'tool.call', step: 1, toolCallId: 't1', tool: 'todo', input: { items: [] } }),
      ev({
        type: 'tool.result',
        step: 1,
        toolCallId: 't1',
        tool: 'todo',
        isError: false,
        summary: 'plan: 0/1 done',
        output: 'Plan',
        durationMs: 1,
      }),
      todo([
        { id: '1', text: 'reproduce', status: 'done' },
        { id: '2', text: 'fix', status: 'in_progress' },
        { id: '3', text: 'bogus', status: 'maybe' },
      ]),
      ev({ type: 'tool.call', step: 2, toolCallId: 't2', tool: 'todo', input: { items: 'x' } }),
      ev({
        type: 'tool.result',
        step: 2,
        toolCallId: 't2',
        tool: 'todo',
        isError: true,
        summary: 'invalid input',
        output: 'Invalid input for todo',
        durationMs: 1,
      }),
    ]);
    expect(items.map((item) => item.kind)).toEqual(['todo', 'tool']);
    expect(items[0]).toMatchObject({
      kind: 'todo',
      items: [
        { id: '1', text: 'reproduce', status: 'done' },
        { id: '2', text: 'fix', status: 'in_progress' },
      ],
    });
  });

  it('takes the coder’s latest plan for the header', () => {
    seq = 0;
    expect(latestPlan([])).toBeNull();
    const events = [
      todo([{ id: '1', text: 'old', status: 'pending' }]),
      todo([{ id: '1', text: 'new', status: 'done' }]),
      todo([{ id: '1', text: 'the reviewer’s', status: 'pending' }], 'reviewer'),
    ];
    expect(latestPlan(events)).toEqual([{ id: '1', text: 'new', status: 'done' }]);
  });
});
