import { describe, expect, it } from 'vitest';
import type { EventData, SessionEvent } from '../core/events.ts';
import { formatFollowUps } from './commands/inspect.ts';
import { describeToolCall, EventRenderer } from './render-event.ts';

const event = (data: EventData) => ({ sessionId: 's', seq: 1, at: '2026-01-01T00:00:00Z', data });

describe('the CLI’s lines for the coder’s planning and patching', () => {
  it('names the files a patch touches, a deleted one by its old path', () => {
    const patch = [
      'diff --git a/src/a.ts b/src/a.ts',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      '--- a/repro.py',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-x',
    ].join('\n');
    expect(describeToolCall('apply_patch', { patch })).toBe('apply_patch src/a.ts repro.py');
    expect(describeToolCall('run_checks', {})).toBe('run_checks');
    expect(describeToolCall('todo', { items: [] })).toBe('todo');
  });

  it('shows a plan update as what is done and what the agent is on', () => {
    const line = new EventRenderer().render(
      event({
        type: 'todo.updated',
        step: 3,
        items: [
          { id: '1', text: 'reproduce', status: 'done' },
          { id: '2', text: 'fix mean()', status: 'in_progress' },
          { id: '3', text: 'run the checks', status: 'pending' },
        ],
      }),
    );
    expect(line).toBe('  plan: 1/3 done; now: fix mean()');
  });

  it('says who sent a follow-up and who asked to cancel, and renders older events without a sender', () => {
    const renderer = new EventRenderer();
    expect(
      renderer.render(
        event({ type: 'message.received', text: 'rename it', by: 'github:octocat', byName: 'octocat' }),
      ),
    ).toBe('follow-up from octocat: rename it');
    expect(renderer.render(event({ type: 'message.received', text: 'older' }))).toBe('follow-up: older');
    expect(renderer.render(event({ type: 'cancel.requested', by: 'token:t1', byName: 'ci bot' }))).toBe(
      'cancel requested by ci bot',
    );
    expect(renderer.render(event({ type: 'cancel.requested' }))).toBe('cancel requested');
  });
});

describe('the CLI’s line for findings acted on', () => {
  it('says how many of the review’s findings, how, by which session and at which commit', () => {
    const renderer = new EventRenderer();
    expect(
      renderer.render(
        event({
          type: 'review.findings_resolved',
          keys: ['k1', 'k2'],
          how: 'gone',
          by: 's2',
          commit: 'abcdef0123456',
        }),
      ),
    ).toBe('  2 findings acted on: gone in review s2 at abcdef0123');
    expect(
      renderer.render(
        event({
          type: 'review.findings_resolved',
          keys: ['k1'],
          how: 'fixed',
          by: 's3',
          commit: 'fedcba9876543',
        }),
      ),
    ).toBe('  1 finding acted on: fixed by s3 at fedcba9876');
  });
});

describe('drydock show’s follow-ups', () => {
  it('lists each follow-up and cancel request with who sent it, older ones without a sender', () => {
    const at = '2026-01-02T03:04:05.000Z';
    const events = [
      { sessionId: 's', seq: 1, at, data: { type: 'state.changed', from: 'queued', to: 'provisioning' } },
      {
        sessionId: 's',
        seq: 2,
        at,
        data: { type: 'message.received', text: 'rename it', by: 'github:octo', byName: 'octo' },
      },
      { sessionId: 's', seq: 3, at, data: { type: 'message.received', text: 'older one' } },
      { sessionId: 's', seq: 4, at, data: { type: 'cancel.requested', by: 'token:t', byName: 'alice' } },
    ] as SessionEvent[];
    expect(formatFollowUps(events)).toBe(
      '\nfollow-ups:\n' +
        '  2026-01-02 03:04:05  from octo: rename it\n' +
        '  2026-01-02 03:04:05  older one\n' +
        '  2026-01-02 03:04:05  cancel requested by alice\n',
    );
    expect(formatFollowUps(events.slice(0, 1))).toBe('');
  });
});
