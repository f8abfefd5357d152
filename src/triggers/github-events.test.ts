import { describe, expect, it } from 'vitest';
import { type EditablePayload, githubExample } from '../../test/support/github-examples.ts';
import { decideGithubEvent, mayTrigger, mentions, taskAfterMention } from './github-events.ts';

const settings = { botLogin: 'drydock[bot]', label: 'drydock', handle: 'drydock' };
const comment = (body: string, change: (p: EditablePayload) => void = () => {}) =>
  githubExample('issue_comment', 'created', (p) => {
    p.comment.body = body;
    delete p.issue.pull_request;
    change(p);
  });

describe('decideGithubEvent', () => {
  const cases: Array<[string, string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      'an @drydock comment on an issue starts work',
      'issue_comment',
      comment('@drydock fix the failing test'),
      { action: 'start', repo: 'Codertocat/Hello-World', number: 1, requester: 'Codertocat' },
    ],
    [
      'a comment between humans is ignored',
      'issue_comment',
      comment('I think the test is flaky, @alice?'),
      { action: 'ignore' },
    ],
    [
      'an email-like mention is not a mention',
      'issue_comment',
      comment('mail me at ops@drydock.dev'),
      { action: 'ignore' },
    ],
    [
      'drydock never reacts to its own comment',
      'issue_comment',
      comment('@drydock started', (p) => {
        p.sender.login = 'drydock[bot]';
      }),
      { action: 'ignore', reason: 'drydock does not react to its own comments' },
    ],
    [
      'another bot is ignored',
      'issue_comment',
      comment('@drydock do it', (p) => {
        p.sender.type = 'Bot';
        p.sender.login = 'ci[bot]';
      }),
      { action: 'ignore', reason: 'sent by a bot' },
    ],
    [
      'an edited comment is ignored',
      'issue_comment',
      githubExample('issue_comment', 'edited', (p) => {
        p.comment.body = '@drydock go';
      }),
      { action: 'ignore' },
    ],
    [
      'an @drydock comment on a pull request is a follow-up',
      'issue_comment',
      comment('@drydock also rename it', (p) => {
        p.issue.pull_request = { url: 'x' };
      }),
      { action: 'follow_up', text: 'also rename it' },
    ],
    [
      'the drydock label starts work',
      'issues',
      githubExample('issues', 'labeled', (p) => {
        p.label.name = 'drydock';
      }),
      { action: 'start' },
    ],
    [
      'another label does nothing',
      'issues',
      githubExample('issues', 'labeled', (p) => {
        p.label.name = 'bug';
      }),
      { action: 'ignore' },
    ],
    [
      'a review requesting changes is a follow-up',
      'pull_request_review',
      githubExample('pull_request_review', 'submitted', (p) => {
        p.review.state = 'changes_requested';
        p.review.body = 'Please add a test.';
      }),
      { action: 'follow_up', text: 'Please add a test.' },
    ],
    [
      'an approving review that does not address drydock is ignored',
      'pull_request_review',
      githubExample('pull_request_review', 'submitted', (p) => {
        p.review.state = 'approved';
        p.review.body = 'LGTM';
      }),
      { action: 'ignore' },
    ],
    [
      'a review comment mentioning drydock is a follow-up with its place',
      'pull_request_review_comment',
      githubExample('pull_request_review_comment', 'created', (p) => {
        p.comment.body = '@drydock use a constant';
      }),
      { action: 'follow_up', text: 'use a constant (on README.md)' },
    ],
    [
      'a pull request opened is one to review, automatically',
      'pull_request',
      githubExample('pull_request', 'opened'),
      {
        action: 'review',
        repo: 'Codertocat/Hello-World',
        number: 2,
        requester: 'Codertocat',
        automatic: true,
      },
    ],
    ...(['synchronize', 'reopened', 'ready_for_review'] as const).map(
      (action): [string, string, Record<string, unknown>, Record<string, unknown>] => [
        `a pull request ${action} is one to review`,
        'pull_request',
        githubExample('pull_request', action, (p) => {
          p.pull_request.draft = false;
        }),
        { action: 'review', automatic: true },
      ],
    ),
    [
      'a draft pull request is not reviewed',
      'pull_request',
      githubExample('pull_request', 'opened', (p) => {
        p.pull_request.draft = true;
      }),
      { action: 'ignore', reason: 'a draft pull request' },
    ],
    [
      'a pull request closed or labelled is not reviewed',
      'pull_request',
      githubExample('pull_request', 'closed'),
      { action: 'ignore', reason: 'pull request closed' },
    ],
    [
      "drydock's push onto a pull request (a fix) is reviewed again",
      'pull_request',
      githubExample('pull_request', 'synchronize', (p) => {
        p.pull_request.draft = false;
        p.sender.login = 'drydock[bot]';
        p.sender.type = 'Bot';
      }),
      { action: 'review', automatic: true },
    ],
    [
      'a pull request drydock opened is not reviewed',
      'pull_request',
      githubExample('pull_request', 'opened', (p) => {
        p.sender.login = 'drydock[bot]';
        p.sender.type = 'Bot';
      }),
      { action: 'ignore', reason: 'drydock does not react to its own comments' },
    ],
    [
      "another bot's pull request is not reviewed",
      'pull_request',
      githubExample('pull_request', 'synchronize', (p) => {
        p.pull_request.draft = false;
        p.sender.login = 'dependabot[bot]';
        p.sender.type = 'Bot';
      }),
      { action: 'ignore', reason: 'sent by a bot' },
    ],
    [
      '@drydock review on a pull request asks for a review',
      'issue_comment',
      comment('@drydock Review.', (p) => {
        p.issue.pull_request = { url: 'x' };
      }),
      { action: 'review', number: 1, requester: 'Codertocat', automatic: false },
    ],
    [
      '@drydock review with more words is a follow-up, not a review',
      'issue_comment',
      comment('@drydock review the naming and rename it', (p) => {
        p.issue.pull_request = { url: 'x' };
      }),
      { action: 'follow_up', text: 'review the naming and rename it' },
    ],
    [
      '@drydock review on an issue is work on the issue',
      'issue_comment',
      comment('@drydock review'),
      { action: 'start' },
    ],
    [
      '@drydock fix this replying to a review comment asks to fix that finding',
      'pull_request_review_comment',
      githubExample('pull_request_review_comment', 'created', (p) => {
        p.comment.body = '@drydock fix this, please';
        p.comment.in_reply_to_id = 99;
      }),
      { action: 'fix_finding', number: 2, commentId: 99, requester: 'Codertocat' },
    ],
    [
      '@drydock fix this that replies to nothing is a follow-up',
      'pull_request_review_comment',
      githubExample('pull_request_review_comment', 'created', (p) => {
        p.comment.body = '@drydock fix this';
      }),
      { action: 'follow_up', text: 'fix this (on README.md)' },
    ],
    [
      'a review comment between humans is ignored',
      'pull_request_review_comment',
      githubExample('pull_request_review_comment', 'created', (p) => {
        p.comment.body = 'nice';
      }),
      { action: 'ignore' },
    ],
  ];
  it.each(cases)('%s', (_name, event, payload, expected) => {
    expect(decideGithubEvent(event, payload, settings)).toMatchObject(expected);
  });
  it('ignores events it does not act on and payloads it cannot read', () => {
    expect(decideGithubEvent('push', {}, settings)).toMatchObject({ action: 'ignore' });
    expect(decideGithubEvent('issue_comment', { nope: 1 }, settings)).toMatchObject({ action: 'ignore' });
  });
  it('puts the issue and the request into the task', () => {
    const decision = decideGithubEvent('issue_comment', comment('@drydock: fix the failing test'), settings);
    expect(decision).toMatchObject({ task: expect.stringContaining('Request: fix the failing test') });
    expect(decision).toMatchObject({
      task: expect.stringContaining('Issue: Spelling error in the README file'),
    });
  });
});

describe('mentions and permissions', () => {
  it.each([
    ['@drydock fix', true],
    ['hey @DryDock, fix', true],
    ['@drydock-bot fix', false],
    ['x@drydock', false],
    ['no mention', false],
  ])('mentions(%j) is %s', (text, expected) => expect(mentions(text, 'drydock')).toBe(expected));
  it('takes the task after the mention', () =>
    expect(taskAfterMention('hi @drydock: run it', 'drydock')).toBe('run it'));
  it.each([
    ['admin', true],
    ['write', true],
    ['read', false],
    ['none', false],
  ] as const)('%s may trigger: %s', (permission, expected) => expect(mayTrigger(permission)).toBe(expected));
});
