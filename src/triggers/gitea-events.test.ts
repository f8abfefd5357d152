import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GITEA_SETTINGS, decideGiteaEvent } from './gitea-events.ts';
import { giteaSignatureProblem } from './gitea-webhook.ts';
import { hmacSha256Hex } from './signature.ts';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited in place, field by field
type Payload = Record<string, any>;
const fixture = (name: string, change: (payload: Payload) => void = () => {}): Payload => {
  const payload = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../test/fixtures/gitea', `${name}.json`), 'utf8'),
  );
  change(payload);
  return payload;
};
const decide = (event: string, payload: Payload) => decideGiteaEvent(event, payload, DEFAULT_GITEA_SETTINGS);

describe('decideGiteaEvent', () => {
  it('starts work on an issue comment mentioning @drydock, with the issue as the task', () => {
    expect(decide('issue_comment', fixture('issue-comment-issue'))).toEqual({
      action: 'start',
      repo: 'gitea:acme/app',
      issue: 1,
      task: 'Issue: The greeting is wrong\n\nhello.txt says Helo.\n\nRequest: please fix the greeting in hello.txt',
      requester: 'alice',
      labelled: false,
    });
  });

  it('ignores comments that do not address drydock, edits, and its own comments', () => {
    const plain = fixture('issue-comment-issue', (p) => {
      p.comment.body = 'the greeting is wrong, someone@drydock.example said';
    });
    expect(decide('issue_comment', plain).action).toBe('ignore');
    expect(
      decide(
        'issue_comment',
        fixture('issue-comment-issue', (p) => (p.action = 'edited')),
      ),
    ).toEqual({
      action: 'ignore',
      reason: 'comment edited',
    });
    const own = fixture('issue-comment-issue', (p) => (p.sender.login = 'Drydock'));
    expect(decide('issue_comment', own)).toMatchObject({
      action: 'ignore',
      reason: expect.stringContaining('own'),
    });
  });

  it('makes a comment on a pull request a follow-up', () => {
    expect(decide('issue_comment', fixture('issue-comment-pull'))).toEqual({
      action: 'follow_up',
      repo: 'gitea:acme/app',
      pull: 2,
      text: 'say in the comment that every element counts',
      requester: 'alice',
    });
  });

  it('starts on the drydock label (label_updated or opened with it), and nothing else', () => {
    expect(decide('issues', fixture('issues-label-updated'))).toMatchObject({
      action: 'start',
      issue: 1,
      labelled: true,
      task: 'Issue: The greeting is wrong\n\nhello.txt says Helo.',
    });
    expect(
      decide(
        'issues',
        fixture('issues-label-updated', (p) => (p.action = 'opened')),
      ),
    ).toMatchObject({
      action: 'start',
    });
    expect(
      decide(
        'issues',
        fixture('issues-label-updated', (p) => (p.issue.labels = [])),
      ),
    ).toMatchObject({
      action: 'ignore',
    });
    expect(
      decide(
        'issues',
        fixture('issues-label-updated', (p) => (p.action = 'closed')),
      ),
    ).toMatchObject({
      action: 'ignore',
    });
  });

  it('reports a closed pull request, merged (by whom) or not', () => {
    expect(decide('pull_request', fixture('pull-request-merged'))).toEqual({
      action: 'closed',
      repo: 'gitea:acme/app',
      pull: 2,
      url: 'https://git.example.com/acme/app/pulls/2',
      merged: true,
      by: 'alice',
    });
    const closed = fixture('pull-request-merged', (p) => {
      p.pull_request.merged = false;
      p.pull_request.merged_by = null;
      p.sender.login = 'bob';
    });
    expect(decide('pull_request', closed)).toMatchObject({ merged: false, by: 'bob' });
    expect(
      decide(
        'pull_request',
        fixture('pull-request-merged', (p) => (p.action = 'opened')),
      ).action,
    ).toBe('ignore');
  });

  it('turns a settled commit status into a look at the commit, and waits out pending ones', () => {
    expect(decide('status', fixture('status-failure'))).toEqual({
      action: 'status',
      repo: 'gitea:acme/app',
      sha: '5e6f708192a3b4c5d6e7f8091a2b3c4d1a2b3c4d',
    });
    expect(
      decide(
        'status',
        fixture('status-failure', (p) => (p.state = 'pending')),
      ).action,
    ).toBe('ignore');
  });

  it('follows up on a review that addresses drydock', () => {
    const review = fixture('pull-request-merged', (p) => {
      p.action = 'reviewed';
      p.review = { type: 'pull_request_review_comment', content: '@drydock handle the empty list too' };
    });
    expect(decide('pull_request_comment', review)).toMatchObject({
      action: 'follow_up',
      pull: 2,
      text: 'handle the empty list too',
    });
  });
});

describe('giteaSignatureProblem', () => {
  const body = new TextEncoder().encode('{"action":"created"}');
  const signature = hmacSha256Hex('s3cret', body);
  const headers = (map: Record<string, string>) => (name: string) => map[name];

  it('verifies the hex HMAC of the raw body under either name, and refuses a wrong or missing one', () => {
    expect(giteaSignatureProblem('s3cret', body, headers({ 'x-gitea-signature': signature }))).toBeNull();
    expect(giteaSignatureProblem('s3cret', body, headers({ 'x-forgejo-signature': signature }))).toBeNull();
    expect(giteaSignatureProblem('other', body, headers({ 'x-gitea-signature': signature }))).toBe(
      'bad_signature',
    );
    const tampered = new TextEncoder().encode('{"action":"created" }');
    expect(giteaSignatureProblem('s3cret', tampered, headers({ 'x-gitea-signature': signature }))).toBe(
      'bad_signature',
    );
    expect(giteaSignatureProblem('s3cret', body, headers({}))).toBe('missing_signature');
  });
});
