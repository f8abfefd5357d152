import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideLinearEvent, LinearPayload } from './linear-events.ts';
import { mentions, stripMention } from './tracker-events.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../test/fixtures', name), 'utf8')) as Record<
    string,
    unknown
  >;
const linear = (name: string, change: (payload: Record<string, unknown>) => void = () => {}) => {
  const payload = fixture(`linear/${name}`);
  change(payload);
  return decideLinearEvent(LinearPayload.parse(payload), { selfId: 'user-drydock-0001', handle: 'drydock' });
};
const data = (payload: Record<string, unknown>) => payload.data as Record<string, unknown>;

describe('decideLinearEvent', () => {
  it('works on an issue assigned to drydock, delegated to it, or created with it as assignee', () => {
    expect(linear('issue-assigned.json')).toEqual({
      action: 'work',
      issue: 'issue-eng-42-uuid',
      requester: { id: 'user-alice-0001', name: 'Alice Example' },
      note: null,
      why: 'assigned',
      agentSession: null,
    });
    expect(
      linear('issue-assigned.json', (p) => {
        data(p).assigneeId = 'user-alice-0001';
        data(p).delegateId = 'user-drydock-0001';
        p.updatedFrom = { delegateId: null };
      }),
    ).toMatchObject({ action: 'work', why: 'delegated' });
    expect(
      linear('issue-assigned.json', (p) => {
        p.action = 'create';
        p.updatedFrom = undefined;
      }),
    ).toMatchObject({
      action: 'work',
      why: 'assigned',
    });
  });

  it('ignores an update that did not change the assignee, another assignee, and drydock’s own changes', () => {
    expect(linear('issue-assigned.json', (p) => (p.updatedFrom = { title: 'old title' }))).toMatchObject({
      action: 'ignore',
    });
    expect(linear('issue-assigned.json', (p) => (data(p).assigneeId = 'user-bob-0001'))).toMatchObject({
      action: 'ignore',
    });
    expect(
      linear('issue-assigned.json', (p) => ((p.actor as Record<string, unknown>).id = 'user-drydock-0001')),
    ).toEqual({ action: 'ignore', reason: 'drydock’s own change' });
  });

  it('works on a comment mentioning @drydock, with the rest of the comment as a note; not on others', () => {
    expect(linear('comment-mention.json')).toEqual({
      action: 'work',
      issue: 'issue-eng-42-uuid',
      requester: { id: 'user-alice-0001', name: 'Alice Example' },
      note: 'please also keep the JSDoc in sync',
      why: 'mentioned',
      agentSession: null,
    });
    expect(
      linear('comment-mention.json', (p) => (data(p).body = 'ask @drydocker or mail x@drydock')),
    ).toMatchObject({
      action: 'ignore',
      reason: 'drydock is not mentioned',
    });
    expect(linear('comment-mention.json', (p) => (data(p).userId = 'user-drydock-0001'))).toMatchObject({
      action: 'ignore',
    });
  });

  it('works on an agent session created for drydock (Linear’s agent API)', () => {
    expect(linear('agent-session-created.json')).toEqual({
      action: 'work',
      issue: 'issue-eng-42-uuid',
      requester: { id: 'user-alice-0001', name: 'Alice Example' },
      note: null,
      why: 'agent_session',
      agentSession: 'agent-session-0001',
    });
    // A prompt in the session: a follow-up from whoever wrote it; one without a body asks nothing.
    expect(linear('agent-session-prompted.json')).toEqual({
      action: 'work',
      issue: 'issue-eng-42-uuid',
      requester: { id: 'user-bob-0001', name: 'Bob Example' },
      note: 'Also mention it in the changelog',
      why: 'prompted',
      agentSession: 'agent-session-0001',
    });
    expect(linear('agent-session-created.json', (p) => (p.action = 'prompted'))).toMatchObject({
      action: 'ignore',
    });
  });
});

describe('mentions', () => {
  it('finds @handle as a whole word, case-insensitively, and strips it', () => {
    expect(mentions('@Drydock fix it', 'drydock')).toBe(true);
    expect(mentions('hey @drydock, fix it', 'drydock')).toBe(true);
    expect(mentions('@drydock-bot', 'drydock')).toBe(false);
    expect(mentions('me@drydock.dev', 'drydock')).toBe(false);
    expect(stripMention('@drydock: fix it', 'drydock')).toBe('fix it');
  });
});
