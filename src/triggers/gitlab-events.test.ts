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
