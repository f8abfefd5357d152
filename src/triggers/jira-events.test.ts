import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideJiraEvent, JiraPayload, jiraCommentNote, jiraMentions } from './jira-events.ts';

const DRYDOCK = '5b10ac8d82e05b22cc7d4ef5';

type Payload = Record<string, unknown>;
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../test/fixtures/jira', name), 'utf8')) as Payload;
const jira = (name: string, change: (payload: Payload) => void = () => {}) => {
  const payload = fixture(name);
  change(payload);
  return decideJiraEvent(JiraPayload.parse(payload), { selfId: DRYDOCK, label: 'drydock' });
};
const comment = (payload: Payload) => payload.comment as Payload;
const adf = (...content: Payload[]) => ({
  type: 'doc',
  version: 1,
  content: [{ type: 'paragraph', content }],
});
const mention = (id: string, text: string) => ({ type: 'mention', attrs: { id, text, accessLevel: '' } });

describe('decideJiraEvent: issues', () => {
  it('works on the drydock label added, an issue created assigned to drydock, and an assignment to it', () => {
    expect(jira('issue-updated-label.json')).toEqual({
      action: 'work',
      issue: '10042',
      requester: { id: '557058:alice', name: 'Alice Example' },
      note: null,
      why: 'labelled',
      agentSession: null,
    });
    expect(jira('issue-created-assigned.json')).toMatchObject({
      action: 'work',
      issue: '10043',
      why: 'assigned',
    });
    expect(jira('issue-updated-assignee.json')).toMatchObject({
      action: 'work',
      issue: '10044',
      why: 'assigned',
    });
  });

  it('ignores an edit of an issue that had the label already, other events, and drydock’s own changes', () => {
    const item = (p: Payload) => ((p.changelog as Payload).items as Payload[])[0]!;
    expect(jira('issue-updated-label.json', (p) => (item(p).fromString = 'drydock'))).toMatchObject({
      action: 'ignore',
    });
    expect(jira('issue-updated-label.json', (p) => (p.webhookEvent = 'jira:issue_deleted'))).toMatchObject({
      action: 'ignore',
    });
    expect(jira('issue-updated-assignee.json', (p) => ((p.user as Payload).accountId = DRYDOCK))).toEqual({
      action: 'ignore',
      reason: 'drydock’s own change',
    });
  });
});

describe('decideJiraEvent: comments', () => {
  it('works on a comment mentioning drydock in wiki markup, with the rest of it as the note', () => {
    expect(jira('comment-created-mention.json')).toEqual({
      action: 'work',
      issue: '10042',
      requester: { id: '557058:alice', name: 'Alice Example' },
      note: 'please also return 0 for a list of only NaN values',
      why: 'mentioned',
      agentSession: null,
    });
  });

  it('works on a comment mentioning drydock in ADF, other mentions kept in the note', () => {
    expect(jira('comment-created-adf-mention.json')).toEqual({
      action: 'work',
      issue: '10042',
      requester: { id: '557058:bob', name: 'Bob Example' },
      note: 'mention the change in the changelog, and ask @Alice Example to review',
      why: 'mentioned',
      agentSession: null,
    });
  });

  it('a bare mention asks for work with no note', () => {
    expect(
      jira('comment-created-mention.json', (p) => (comment(p).body = `[~accountid:${DRYDOCK}]`)),
    ).toMatchObject({ action: 'work', why: 'mentioned', note: null });
  });

  it('ignores comments that do not mention drydock’s account, or only look like they do', () => {
    for (const body of [
      'please take a look, drydock',
      '@drydock fix it',
      // Another account whose id starts with drydock's, and the legacy username form.
      `[~accountid:${DRYDOCK}0] fix it`,
      '[~drydock] fix it',
      adf({ type: 'text', text: `[~accountid:${DRYDOCK}] as text in ADF` }),
      adf(mention('557058:alice', '@drydock')),
    ]) {
      expect(jira('comment-created-mention.json', (p) => (comment(p).body = body))).toEqual({
        action: 'ignore',
        reason: 'drydock is not mentioned',
      });
    }
  });

  it('ignores drydock’s own comments, even one that mentions drydock', () => {
    expect(
      jira('comment-created-mention.json', (p) => {
        (comment(p).author as Payload).accountId = DRYDOCK;
      }),
    ).toEqual({ action: 'ignore', reason: 'drydock’s own comment' });
  });

  it('ignores comment edits and deletions, and a comment event without its comment', () => {
    expect(jira('comment-created-mention.json', (p) => (p.webhookEvent = 'comment_updated'))).toMatchObject({
      action: 'ignore',
    });
    expect(jira('comment-created-mention.json', (p) => (p.webhookEvent = 'comment_deleted'))).toMatchObject({
      action: 'ignore',
    });
    expect(jira('comment-created-mention.json', (p) => delete p.comment)).toEqual({
      action: 'ignore',
      reason: 'a comment_created without its comment',
    });
  });
});

describe('jiraMentions and jiraCommentNote', () => {
  it('finds the account in wiki markup or ADF, and strips only its mentions', () => {
    const other = '557058:a86d9106-2969-4738-83eb-186c5dab4cd5';
    const wiki = `[~accountid:${other}] [~accountid:${DRYDOCK}], have a look at the login page`;
    expect(jiraMentions(wiki, DRYDOCK)).toBe(true);
    expect(jiraMentions(wiki, other)).toBe(true);
    expect(jiraCommentNote(wiki, DRYDOCK)).toBe(`[~accountid:${other}] have a look at the login page`);
    expect(jiraCommentNote(`[~accountid:${DRYDOCK}]: fix it`, DRYDOCK)).toBe('fix it');
    const doc = adf(mention(DRYDOCK, '@drydock'), { type: 'text', text: ': fix it' });
    expect(jiraMentions(doc, DRYDOCK)).toBe(true);
    expect(jiraCommentNote(doc, DRYDOCK)).toBe('fix it');
  });

  it('reads a malformed ADF body as nothing rather than failing', () => {
    const broken = { type: 'doc', content: [null, 7, { type: 'paragraph', content: [null] }] };
    expect(jiraMentions(broken, DRYDOCK)).toBe(false);
    expect(jiraCommentNote(broken, DRYDOCK)).toBe('');
    expect(jiraMentions(undefined, DRYDOCK)).toBe(false);
  });
});
