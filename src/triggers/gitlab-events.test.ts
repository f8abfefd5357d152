import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GITLAB_SETTINGS, decideGitlabEvent } from './gitlab-events.ts';
import { gitlabTokenProblem } from './gitlab-webhook.ts';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely, then validated by the decoder under test
type Payload = Record<string, any>;
const fixture = (name: string): Payload =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../test/fixtures/gitlab', `${name}.json`), 'utf8'));
const edit = (name: string, change: (payload: Payload) => void): Payload => {
  const payload = fixture(name);
  change(payload);
  return payload;
};
const decide = (event: string, payload: unknown) =>
  decideGitlabEvent(event, payload, DEFAULT_GITLAB_SETTINGS);

describe('decideGitlabEvent', () => {
  const cases: Array<[string, string, Payload, Record<string, unknown>]> = [
    [
      'an @drydock note on an issue starts work on the project',
      'Note Hook',
      fixture('note-issue'),
      { action: 'start', repo: 'gitlab:acme/platform/app', issue: 1, requester: 'alice' },
    ],
    [
      'a note between people is ignored',
      'Note Hook',
      edit('note-issue', (p) => {
        p.object_attributes.note = 'looks flaky, @bob?';
      }),
      { action: 'ignore', reason: 'discussion that does not address drydock' },
    ],
    [
      'an edited note is not a new request',
      'Note Hook',
      edit('note-issue', (p) => {
        p.object_attributes.action = 'update';
      }),
      { action: 'ignore', reason: 'note update' },
    ],
    [
      "drydock's own note is never acted on",
      'Note Hook',
      edit('note-issue', (p) => {
        p.user.username = 'drydock';
      }),
      { action: 'ignore' },
    ],
    [
      'a system note is ignored',
      'Note Hook',
      edit('note-issue', (p) => {
        p.object_attributes.system = true;
      }),
      { action: 'ignore', reason: 'a system note' },
    ],
    [
      'an @drydock note in a merge request review thread is a follow-up, with where it points',
      'Note Hook',
      fixture('note-merge-request'),
      {
        action: 'follow_up',
        repo: 'gitlab:acme/platform/app',
        mergeRequest: 1,
        text: 'also add a trailing newline (on hello.txt:1)',
        requester: 'alice',
      },
    ],
    [
      'the drydock label added to an issue starts work',
      'Issue Hook',
      fixture('issue-labelled'),
      { action: 'start', repo: 'gitlab:acme/platform/app', issue: 1, requester: 'alice' },
    ],
    [
      'an issue edited while it already had the label is ignored',
      'Issue Hook',
      edit('issue-labelled', (p) => {
        p.changes.labels.previous = p.changes.labels.current;
      }),
      { action: 'ignore' },
    ],
    [
      'an issue change without labels is ignored',
      'Issue Hook',
      edit('issue-labelled', (p) => {
        delete p.changes.labels;
      }),
      { action: 'ignore' },
    ],
    [
      'a merged merge request is closed, merged, by whom',
      'Merge Request Hook',
      fixture('merge-request-merged'),
      {
        action: 'closed',
        repo: 'gitlab:acme/platform/app',
        mergeRequest: 1,
        merged: true,
        by: 'alice',
        url: 'https://gitlab.example.com/acme/platform/app/-/merge_requests/1',
      },
    ],
    [
      'a merge request closed unmerged',
      'Merge Request Hook',
      edit('merge-request-merged', (p) => {
        p.object_attributes.action = 'close';
        p.object_attributes.state = 'closed';
      }),
      { action: 'closed', merged: false },
    ],
    [
      'a merge request updated is not closed',
      'Merge Request Hook',
      edit('merge-request-merged', (p) => {
        p.object_attributes.action = 'update';
        p.object_attributes.state = 'opened';
      }),
      { action: 'ignore' },
    ],
    [
      'a merge request opened: a review, if the project has review on',
      'Merge Request Hook',
      fixture('merge-request-opened'),
      {
        action: 'review',
        repo: 'gitlab:acme/platform/app',
        mergeRequest: 7,
        requester: 'alice',
        automatic: true,
      },
    ],
    [
      'a push to a merge request (oldrev set): a review of the new head',
      'Merge Request Hook',
      fixture('merge-request-updated'),
      { action: 'review', mergeRequest: 7, automatic: true },
    ],
    [
      "drydock's own push onto a merge request is reviewed like any other",
      'Merge Request Hook',
      edit('merge-request-updated', (p) => {
        p.user.username = 'drydock';
      }),
      { action: 'review', mergeRequest: 7, requester: 'drydock' },
    ],
    [
      'a merge request drydock opened itself is not reviewed from its event',
      'Merge Request Hook',
      edit('merge-request-opened', (p) => {
        p.user.username = 'drydock';
      }),
      { action: 'ignore', reason: 'drydock does not react to its own changes' },
    ],
    [
      'an update without commits (a title edit) is no reason to review again',
      'Merge Request Hook',
      edit('merge-request-updated', (p) => {
        delete p.object_attributes.oldrev;
      }),
      { action: 'ignore', reason: 'merge request update' },
    ],
    [
      'a draft merge request is not reviewed',
      'Merge Request Hook',
      edit('merge-request-opened', (p) => {
        p.object_attributes.draft = true;
      }),
      { action: 'ignore', reason: 'a draft merge request' },
    ],
    [
      'a merge request marked ready: a review',
      'Merge Request Hook',
      edit('merge-request-updated', (p) => {
        delete p.object_attributes.oldrev;
        p.changes.draft = { previous: true, current: false };
      }),
      { action: 'review', mergeRequest: 7, automatic: true },
    ],
    [
      '@drydock review on a merge request asks for a review',
      'Note Hook',
      edit('note-merge-request', (p) => {
        p.object_attributes.note = '@drydock review';
      }),
      {
        action: 'review',
        repo: 'gitlab:acme/platform/app',
        mergeRequest: 1,
        requester: 'alice',
        automatic: false,
      },
    ],
    [
      '@drydock fix this in a discussion: a fix of the finding the discussion is about',
      'Note Hook',
      edit('note-merge-request', (p) => {
        p.object_attributes.note = '@drydock fix this';
      }),
      {
        action: 'fix_finding',
        mergeRequest: 1,
        noteId: 1300,
        discussionId: '8c1b2e4f9a7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b',
        text: 'fix this (on hello.txt:1)',
      },
    ],
    [
      'a failed pipeline on a merge request: look at its commit',
      'Pipeline Hook',
      fixture('pipeline-failed'),
      {
        action: 'pipeline',
        repo: 'gitlab:acme/platform/app',
        sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        mergeRequests: [1],
      },
    ],
    [
      'a running pipeline is not looked at yet',
      'Pipeline Hook',
      edit('pipeline-failed', (p) => {
        p.object_attributes.status = 'running';
      }),
      { action: 'ignore', reason: 'pipeline running' },
    ],
    [
      'a branch pipeline (no merge request) still names its commit',
      'Pipeline Hook',
      edit('pipeline-failed', (p) => {
        p.merge_request = null;
      }),
      { action: 'pipeline', mergeRequests: [] },
    ],
    ['an event drydock does not use', 'Push Hook', { object_kind: 'push' }, { action: 'ignore' }],
    [
      'a payload that is not the event it says',
      'Note Hook',
      fixture('pipeline-failed'),
      { action: 'ignore' },
    ],
  ];
  it.each(cases)('%s', (_name, event, payload, expected) => {
    expect(decide(event, payload)).toMatchObject(expected);
  });

  it('puts the issue and the request into the task', () => {
    const decision = decide('Note Hook', fixture('note-issue'));
    expect(decision).toMatchObject({
      task: 'Issue: The greeting is wrong\n\nhello.txt says hallo; it should say hello.\n\nRequest: please fix the greeting',
    });
  });
});

describe('gitlabTokenProblem', () => {
  it('accepts the secret token only', () => {
    expect(gitlabTokenProblem('s3cret-token', 's3cret-token')).toBeNull();
    expect(gitlabTokenProblem('s3cret-token', 's3cret-tokem')).toBe('bad_signature');
    expect(gitlabTokenProblem('s3cret-token', 's3cret')).toBe('bad_signature');
    expect(gitlabTokenProblem('s3cret-token', undefined)).toBe('missing_signature');
    expect(gitlabTokenProblem('s3cret-token', '')).toBe('missing_signature');
  });
});
