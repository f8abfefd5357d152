import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BitbucketTriggerSettings,
  DEFAULT_BITBUCKET_SETTINGS,
  decideBitbucketEvent,
  withHandleMentions,
} from './bitbucket-events.ts';

// biome-ignore lint/suspicious/noExplicitAny: test payloads are edited in place, field by field
type Payload = Record<string, any>;
const fixture = (name: string, change: (payload: Payload) => void = () => {}): Payload => {
  const payload = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../test/fixtures/bitbucket', `${name}.json`), 'utf8'),
  );
  change(payload);
  return payload;
};
const ALICE = { id: '557058:0a1ce000-0000-4000-8000-00000000a11c', name: 'alice' };
const BOT_ID = '557058:d5d0c000-0000-4000-8000-000000d5d0c0';
const settings: BitbucketTriggerSettings = DEFAULT_BITBUCKET_SETTINGS;
const decide = (event: string, payload: unknown, with_ = settings) =>
  decideBitbucketEvent(event, payload, with_);

describe('decideBitbucketEvent', () => {
  it('an issue comment mentioning @drydock starts work on the repository, with the issue as the task', () => {
    expect(decide('issue:comment_created', fixture('issue-comment-created'))).toEqual({
      action: 'start',
      repo: 'bitbucket:acme/app',
      issue: 1,
      task: 'Issue: The greeting is wrong\n\nhello.txt says Helo.\n\nRequest: please fix the greeting',
      requester: ALICE,
    });
  });

  it("a mention by drydock's account id (how Bitbucket's editor writes one) addresses drydock too", () => {
    const payload = fixture('issue-comment-created', (p) => {
      p.comment.content.raw = `@{${BOT_ID}} fix it`;
    });
    expect(decide('issue:comment_created', payload)).toMatchObject({ action: 'ignore' });
    expect(decide('issue:comment_created', payload, { ...settings, bot: BOT_ID })).toMatchObject({
      action: 'start',
      task: expect.stringContaining('Request: fix it'),
    });
  });

  it('ignores discussion, deleted comments, drydock itself (by nickname or account id) and anonymous actors', () => {
    const cases: Array<[Payload, BitbucketTriggerSettings, string]> = [
      [
        fixture('issue-comment-created', (p) => (p.comment.content.raw = 'mail drydock@example.com')),
        settings,
        'discussion that does not address drydock',
      ],
      [fixture('issue-comment-created', (p) => (p.comment.deleted = true)), settings, 'comment deleted'],
      [
        fixture('issue-comment-created', (p) => (p.actor.nickname = 'DryDock')),
        settings,
        'drydock does not react to its own comments',
      ],
      [
        fixture('issue-comment-created', (p) => (p.actor.account_id = BOT_ID)),
        { ...settings, bot: BOT_ID },
        'drydock does not react to its own comments',
      ],
      [
        fixture('issue-comment-created', (p) => {
          delete p.actor.account_id;
          delete p.actor.uuid;
        }),
        settings,
        'the comment names no account',
      ],
      [
        fixture('issue-comment-created', (p) => delete p.comment.content),
        settings,
        'the comment payload is not one drydock understands',
      ],
    ];
    for (const [payload, with_, reason] of cases) {
      expect(decide('issue:comment_created', payload, with_)).toEqual({ action: 'ignore', reason });
    }
  });

  it('a pull request comment addressing drydock is a follow-up on that pull request', () => {
    expect(decide('pullrequest:comment_created', fixture('pullrequest-comment-created'))).toEqual({
      action: 'follow_up',
      repo: 'bitbucket:acme/app',
      pull: 1,
      text: 'say in the comment that every element counts',
      requester: { id: '557058:3a40000-0000-4000-8000-0000000003a4', name: 'max' },
    });
    // An issue comment's payload under the pull request's key is not a pull request comment.
    expect(decide('pullrequest:comment_created', fixture('issue-comment-created'))).toMatchObject({
      action: 'ignore',
    });
  });

  it('fulfilled is a merge and rejected a decline, credited to who closed the pull request', () => {
    expect(decide('pullrequest:fulfilled', fixture('pullrequest-fulfilled'))).toEqual({
      action: 'closed',
      repo: 'bitbucket:acme/app',
      pull: 1,
      url: 'https://bitbucket.org/acme/app/pull-requests/1',
      merged: true,
      by: 'alice',
    });
    expect(
      decide(
        'pullrequest:rejected',
        fixture('pullrequest-rejected', (p) => (p.pullrequest.closed_by = null)),
      ),
    ).toMatchObject({ action: 'closed', merged: false, by: 'alice' });
  });

  it('a FAILED commit status asks CI follow-up to look at its commit; other states do not', () => {
    const sha = 'e10dae226959c2194f2b07b077c07762d93821cf';
    expect(decide('repo:commit_status_updated', fixture('commit-status-failed'))).toEqual({
      action: 'status',
      repo: 'bitbucket:acme/app',
      sha,
    });
    // Older deliveries only link the commit.
    const linked = fixture('commit-status-failed', (p) => delete p.commit_status.commit);
    expect(decide('repo:commit_status_updated', linked)).toMatchObject({ action: 'status', sha });
    for (const state of ['INPROGRESS', 'SUCCESSFUL', 'STOPPED']) {
      const payload = fixture('commit-status-failed', (p) => (p.commit_status.state = state));
      expect(decide('repo:commit_status_updated', payload)).toEqual({
        action: 'ignore',
        reason: `status ${state}`,
      });
    }
    // A commit that is not a hash never reaches an API path.
    const hostile = fixture('commit-status-failed', (p) => {
      p.commit_status.commit.hash = '../../issues/1';
    });
    expect(decide('repo:commit_status_updated', hostile)).toEqual({
      action: 'ignore',
      reason: 'the status names no commit',
    });
  });

  it('ignores events drydock does not act on', () => {
    expect(decide('repo:push', { actor: {}, repository: { full_name: 'acme/app' } })).toEqual({
      action: 'ignore',
      reason: 'event repo:push is not one drydock acts on',
    });
  });
});

describe('withHandleMentions', () => {
  it("writes only drydock's own account-id mention as the handle", () => {
    const with_ = { bot: BOT_ID, handle: 'drydock' };
    expect(withHandleMentions(`@{${BOT_ID}} and @{557058:other}`, with_)).toBe(
      '@drydock and @{557058:other}',
    );
  });
});
