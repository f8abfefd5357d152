import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../core/events.ts';
import { type Session, ZERO_USAGE } from '../core/session.ts';
import { LOCAL_CALLER, requireCallerRole, requireCallerSteering } from './mcp-caller.ts';
import { diffText, sessionDocument, sessionIdOfUri, sessionUri, sessionView } from './session-views.ts';

const session: Session = {
  id: 'abc123',
  state: 'delivered',
  task: 'Fix mean()',
  repo: '/repos/stats',
  ref: 'HEAD',
  baseCommit: 'b'.repeat(40),
  headCommit: 'h'.repeat(40),
  branch: 'drydock/fix-mean-abc123',
  model: 'script:demo',
  steps: 4,
  usage: { ...ZERO_USAGE, costUsd: 0.25, costUnknown: true },
  summary: 'Fixed it',
  reason: null,
  createdBy: { id: 'token:t1', name: 'alice' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:01:00.000Z',
};

const event = (seq: number, data: SessionEvent['data']): SessionEvent => ({
  sessionId: session.id,
  seq,
  at: '2026-01-01T00:00:00.000Z',
  data,
});

describe('session resource URIs', () => {
  it('round-trip an id, and name nothing else', () => {
    expect(sessionIdOfUri(sessionUri('abc123'))).toBe('abc123');
    expect(sessionIdOfUri(sessionUri('a b/c'))).toBe('a b/c');
    for (const uri of [
      'drydock://sessions/',
      'drydock://sessions/a/events',
      'drydock://session/abc',
      'file:///etc/passwd',
      'drydock://sessions/%E0%A4%A',
      'drydock://sessions/a?x=1',
    ]) {
      expect(sessionIdOfUri(uri), uri).toBeNull();
    }
  });
});

describe('sessionView', () => {
  it('says where the change is, what it cost and what to do next', () => {
    const view = sessionView(session, null);
    expect(view).toMatchObject({
      state: 'delivered',
      ended: true,
      branch: 'drydock/fix-mean-abc123',
      pullRequest: null,
      cost: { usd: 0.25, unknownForSomeCalls: true },
      createdBy: 'alice',
      resource: 'drydock://sessions/abc123',
    });
    expect(view.next).toContain('branch drydock/fix-mean-abc123 in /repos/stats');
    const published = sessionView(session, { url: 'https://github.com/o/r/pull/7', number: 7 });
    expect(published.next).toContain('https://github.com/o/r/pull/7');
    expect(sessionView({ ...session, state: 'working' }, null)).toMatchObject({ ended: false });
  });
});

describe('sessionDocument', () => {
  it("leaves out an event's data too big to show, saying where it is", () => {
    const big = event(2, {
      type: 'model.response',
      step: 1,
      text: 'x'.repeat(10_000),
      toolCalls: 0,
      usage: ZERO_USAGE,
      durationMs: 1,
    });
    const small = event(3, { type: 'state.changed', from: 'delivering', to: 'delivered' });
    const document = sessionDocument(session, null, [big, small]);
    expect(document.events[0]).toMatchObject({ seq: 2, type: 'model.response' });
    expect(JSON.stringify(document.events[0]?.data)).toContain('drydock logs abc123 --json');
    expect(JSON.stringify(document.events[0]).length).toBeLessThan(1_000);
    expect(document.events[1]?.data).toEqual(small.data);
  });
});

describe('diffText', () => {
  it('says why there is no diff', () => {
    expect(diffText(session, '')).toBe('Session abc123 ended delivered with no change.');
    expect(diffText({ ...session, state: 'working' }, '')).toBe(
      'Session abc123 is working and has changed nothing yet.',
    );
  });

  it('cuts a huge diff with a note naming the branch', () => {
    const diff = `diff --git a/x b/x\n${'+line\n'.repeat(50_000)}`;
    const text = diffText(session, diff, 10_000);
    expect(text.length).toBeLessThanOrEqual(10_000);
    expect(text.startsWith('diff --git a/x b/x\n')).toBe(true);
    expect(text).toMatch(/characters truncated; the whole change is on branch drydock\/fix-mean-abc123/);
    expect(diffText(session, 'diff --git a/x b/x\n')).toBe('diff --git a/x b/x\n');
  });
});

describe('MCP callers', () => {
  const token = (role: 'viewer' | 'member' | 'admin', id = 't1') => ({
    kind: 'token' as const,
    token: { id, name: `${role} ${id}`, role, tokenHash: '', createdAt: '' },
  });

  it('apply the API roles to tokens, and let the local operator do anything', () => {
    expect(() => requireCallerRole(token('viewer'), 'member')).toThrow(/needs the member role/);
    expect(() => requireCallerRole(token('member'), 'member')).not.toThrow();
    expect(() => requireCallerSteering(token('viewer'), session)).toThrow(/needs the member role/);
    expect(() => requireCallerSteering(token('member'), session)).not.toThrow();
    expect(() => requireCallerSteering(token('member', 't2'), session)).toThrow(/started by "alice"/);
    expect(() => requireCallerSteering(token('admin', 't3'), session)).not.toThrow();
    expect(() => requireCallerSteering(LOCAL_CALLER, session)).not.toThrow();
    expect(() => requireCallerRole(LOCAL_CALLER, 'admin')).not.toThrow();
  });
});
