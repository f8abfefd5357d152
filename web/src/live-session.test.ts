import { describe, expect, it } from 'vitest';
import { pageTitle } from './page-title.ts';
import { buildTimeline } from './timeline.ts';
import { elapsedMs, formatClock, formatElapsed, sessionTimes } from './times.ts';
import { buildTurns } from './turns.ts';
import type { StreamEvent } from './types.ts';

let seq = 0;
const ev = (data: StreamEvent['data'], at = '2025-01-01T00:00:00Z'): StreamEvent => ({
  sessionId: 's1',
  seq: ++seq,
  at,
  data,
});
const usage = { inputTokens: 1, outputTokens: 1, costUsd: 0 };
const response = (step: number) =>
  ev({ type: 'model.response', step, text: '', toolCalls: 1, usage, durationMs: 5 });

describe('live command output in the timeline', () => {
  it('appends tool.output to its running call until the result replaces it', () => {
    seq = 0;
    const running = [
      ev({ type: 'tool.call', step: 1, toolCallId: 'c1', tool: 'bash', input: { command: 'make' } }),
      ev({ type: 'tool.output', step: 1, toolCallId: 'c1', text: 'line1\n' }),
      ev({ type: 'tool.output', step: 1, toolCallId: 'c1', text: 'line2\n' }),
    ];
    const [call] = buildTimeline(running);
    expect(call).toMatchObject({ kind: 'tool', result: null, liveOutput: 'line1\nline2\n' });
    const done = buildTimeline([
      ...running,
      ev({
        type: 'tool.result',
        step: 1,
        toolCallId: 'c1',
        tool: 'bash',
        isError: false,
        summary: 'exit code 0',
        output: 'line1\nline2\nline3\n[exit code 0]',
        durationMs: 3000,
      }),
      // Late output (a resumed run) never goes back into a finished row.
      ev({ type: 'tool.output', step: 1, toolCallId: 'c1', text: 'late' }),
    ]);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ result: { summary: 'exit code 0' }, liveOutput: 'line1\nline2\n' });
  });
});

describe('follow-ups in the timeline', () => {
  it('are unread while the step they came in runs, and read by the next model call', () => {
    seq = 0;
    const during = [
      response(1),
      ev({ type: 'tool.call', step: 1, toolCallId: 'c1', tool: 'bash', input: { command: 'sleep 30' } }),
      ev({ type: 'message.received', text: 'Also add a test.' }),
    ];
    expect(buildTimeline(during).find((item) => item.kind === 'message')).toMatchObject({ readAtStep: null });
    // The reviewer's calls do not read the coder's messages.
    const reviewer = ev({ type: 'model.delta', step: 2, attempt: 1, text: 'x', role: 'reviewer' });
    expect(buildTimeline([...during, reviewer]).find((item) => item.kind === 'message')).toMatchObject({
      readAtStep: null,
    });
    const read = buildTimeline([
      ...during,
      reviewer,
      ev({ type: 'model.delta', step: 2, attempt: 1, text: 'OK' }),
    ]);
    expect(read.find((item) => item.kind === 'message')).toMatchObject({ readAtStep: 2 });
  });
});

describe('turns', () => {
  it('keep one summary per turn, with the follow-up that opened each', () => {
    seq = 0;
    const turns = buildTurns([
      ev({ type: 'session.created', task: 't', repo: 'r', ref: 'main', model: 'm' }, '2025-01-01T10:00:00Z'),
      ev({ type: 'agent.stopped', step: 3, outcome: 'finished', detail: 'Fixed mean().' }),
      ev({ type: 'agent.stopped', step: 1, outcome: 'finished', detail: 'Looks good.', role: 'reviewer' }),
      ev({ type: 'state.changed', from: 'delivering', to: 'delivered' }, '2025-01-01T10:05:00Z'),
      ev({ type: 'message.received', text: 'Also document it.' }),
      ev({ type: 'state.changed', from: 'delivered', to: 'queued' }, '2025-01-01T11:00:00Z'),
      ev({ type: 'agent.stopped', step: 5, outcome: 'gave_up', detail: 'cannot' }),
      ev({ type: 'state.changed', from: 'working', to: 'bowed_out', reason: 'the agent gave up: cannot' }),
      ev({ type: 'message.received', text: 'Try again.' }),
      ev({ type: 'state.changed', from: 'bowed_out', to: 'queued' }),
    ]);
    expect(
      turns.map(({ number, messages, state, summary, reason }) => ({
        number,
        messages,
        state,
        summary,
        reason,
      })),
    ).toEqual([
      { number: 1, messages: [], state: 'delivered', summary: 'Fixed mean().', reason: null },
      {
        number: 2,
        messages: ['Also document it.'],
        state: 'bowed_out',
        summary: null,
        reason: 'the agent gave up: cannot',
      },
      { number: 3, messages: ['Try again.'], state: null, summary: null, reason: null },
    ]);
    expect(turns[0]).toMatchObject({ startedAt: '2025-01-01T10:00:00Z', endedAt: '2025-01-01T10:05:00Z' });
  });
});

describe('times', () => {
  const now = new Date(2025, 5, 15, 12, 0, 0).getTime();
  it('show the date only when the day is not today', () => {
    expect(formatClock(new Date(2025, 5, 15, 9, 5, 7).toISOString(), now)).toBe('09:05:07');
    expect(formatClock(new Date(2025, 5, 14, 23, 59, 1).toISOString(), now)).toMatch(/^Jun 14, 23:59:01$/);
    expect(formatClock(new Date(2024, 11, 3, 8, 0, 0).toISOString(), now)).toMatch(/2024/);
    expect(formatClock('not a date', now)).toBe('');
  });

  it('count elapsed time in whole units, never below zero', () => {
    expect([0, 999, 42_500, 187_000, 7_500_000, 274_000_000].map(formatElapsed)).toEqual([
      '0s',
      '0s',
      '42s',
      '3m07s',
      '2h05m',
      '3d04h',
    ]);
    expect(elapsedMs(new Date(now + 5000).toISOString(), now)).toBe(0);
  });

  it('end a session at its last move into a final state, else at its last update, and run on while it is live', () => {
    seq = 0;
    const session = { createdAt: '2025-01-01T10:00:00Z', updatedAt: '2025-01-01T10:30:00Z' };
    expect(sessionTimes({ ...session, state: 'working' }, Date.parse('2025-01-01T10:01:05Z'))).toEqual({
      startedAt: session.createdAt,
      finishedAt: null,
      durationMs: 65_000,
    });
    expect(sessionTimes({ ...session, state: 'delivered' }, 0).finishedAt).toBe(session.updatedAt);
    const events = [
      ev({ type: 'state.changed', from: 'delivering', to: 'delivered' }, '2025-01-01T10:02:00Z'),
    ];
    expect(sessionTimes({ ...session, state: 'delivered' }, 0, events)).toMatchObject({
      finishedAt: '2025-01-01T10:02:00Z',
      durationMs: 120_000,
    });
  });
});

describe('page titles', () => {
  it("name the page's subject before the app", () => {
    expect(pageTitle('Fix the mean\nmore detail')).toBe('Fix the mean · drydock');
    expect(pageTitle(null)).toBe('drydock');
    expect(pageTitle('x'.repeat(100))).toBe(`${'x'.repeat(79)}… · drydock`);
  });
});
