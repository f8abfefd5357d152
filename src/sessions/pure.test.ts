import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../core/events.ts';
import { canTransition, SESSION_STATES } from '../core/session-state.ts';
import { parseShortStat } from '../forge/diff-stat.ts';
import { branchName } from './branch-name.ts';
import { cancelRequested, decideCancel, decideMessage } from './follow-ups.ts';
import { initialCheckpoint, openTurn } from './session-checkpoint.ts';

describe('branchName', () => {
  it.each([
    ['Fix the failing test in src/stats.js', 'drydock/fix-the-failing-test-in-src-abc'],
    ['  ', 'drydock/task-abc'],
    ['Ünïcode & symbols!!', 'drydock/unicode-symbols-abc'],
    ['a'.repeat(50), `drydock/${'a'.repeat(32)}-abc`],
  ])('%s', (task, expected) => {
    expect(branchName(task, 'abc')).toBe(expected);
  });
});

describe('canTransition', () => {
  it('follows the lifecycle', () => {
    expect(canTransition('queued', 'provisioning')).toBe(true);
    expect(canTransition('queued', 'delivered')).toBe(false);
    expect(canTransition('working', 'delivering')).toBe(true);
    expect(canTransition('delivered', 'failed')).toBe(false);
    expect(canTransition('delivered', 'queued')).toBe(true);
    expect(canTransition('bowed_out', 'queued')).toBe(true);
    expect(canTransition('delivered', 'working')).toBe(false);
    expect(canTransition('queued', 'cancelled')).toBe(true);
    for (const state of SESSION_STATES) expect(canTransition('failed', state)).toBe(false);
  });
});

describe('parseShortStat', () => {
  it.each([
    [' 1 file changed, 1 insertion(+), 1 deletion(-)', { filesChanged: 1, insertions: 1, deletions: 1 }],
    [' 3 files changed, 10 insertions(+)', { filesChanged: 3, insertions: 10, deletions: 0 }],
    ['', { filesChanged: 0, insertions: 0, deletions: 0 }],
  ])('%s', (text, expected) => {
    expect(parseShortStat(text)).toEqual(expected);
  });
});

describe('decideMessage', () => {
  it.each([
    ['queued', 'keep'],
    ['working', 'keep'],
    ['reviewing', 'keep'],
    ['delivered', 'reopen'],
    ['bowed_out', 'reopen'],
    ['failed', 'refuse'],
    ['cancelled', 'refuse'],
  ] as const)('%s → %s', (state, action) => {
    expect(decideMessage(state)).toBe(action);
  });
});

describe('decideCancel', () => {
  it.each([
    ['working', true, 'abort'],
    ['queued', true, 'abort'],
    ['queued', false, 'cancel_queued'],
    ['delivered', false, 'ended'],
    ['cancelled', false, 'ended'],
    ['working', false, 'request'],
  ] as const)('%s, running here %s → %s', (state, here, action) => {
    expect(decideCancel(state, here)).toBe(action);
  });
});

describe('cancelRequested', () => {
  const ev = (seq: number, data: SessionEvent['data']): SessionEvent => ({
    sessionId: 's',
    seq,
    at: '',
    data,
  });
  const request = (seq: number) => ev(seq, { type: 'cancel.requested' });
  const ended = (seq: number) => ev(seq, { type: 'state.changed', from: 'working', to: 'delivered' });
  const working = (seq: number) => ev(seq, { type: 'state.changed', from: 'queued', to: 'working' });
  it.each<[string, SessionEvent[], boolean, boolean]>([
    ['no request', [working(1)], false, false],
    ['a request', [working(1), request(2)], false, true],
    ['a request the turn answered by ending', [request(1), ended(2)], false, false],
    ['a request after a new turn started', [request(1), ended(2), working(3), request(4)], false, true],
    ['a request seen on an earlier page', [working(5)], true, true],
    ['a request on an earlier page, then the end', [ended(5)], true, false],
  ])('%s → %s', (_name, events, before, expected) => {
    expect(cancelRequested(events, before)).toBe(expected);
  });
});

describe('openTurn', () => {
  it("gives the reviewer fresh rounds and numbers them on from the earlier turns'", () => {
    const first = initialCheckpoint('Fix it');
    const afterFirst = { ...first, gate: { ...first.gate, reviewRounds: 2 } };
    const second = openTurn(afterFirst);
    expect(second.gate.reviewRounds).toBe(0);
    expect(second.gate.earlierReviewRounds).toBe(2);
    const third = openTurn({ ...second, gate: { ...second.gate, reviewRounds: 1 } });
    expect(third.gate).toMatchObject({ reviewRounds: 0, earlierReviewRounds: 3 });
  });
});
