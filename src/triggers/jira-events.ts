import { z } from 'zod';
import { adfMentionIds, adfToText } from '../core/adf.ts';
import type { TrackerDecision } from './tracker-events.ts';

/**
 * A Jira Cloud webhook payload (https://developer.atlassian.com/cloud/jira/platform/webhooks/): the fields drydock
 * reads of `jira:issue_created`, `jira:issue_updated` and `comment_created`, with Jira's names.
 */
export const JiraPayload = z.object({
  webhookEvent: z.string(),
  timestamp: z.number().optional(),
  user: z.object({ accountId: z.string(), displayName: z.string().optional() }).nullish(),
  issue: z
    .object({
      id: z.string(),
      key: z.string(),
      fields: z
        .object({
          labels: z.array(z.string()).nullish(),
          assignee: z.object({ accountId: z.string() }).nullish(),
        })
        .partial()
        .optional(),
    })
    .optional(),
  /** `comment_created`: the comment, its body in wiki markup (admin webhooks send REST v2's) or ADF. */
  comment: z
    .object({
      id: z.string(),
      body: z.unknown(),
      author: z.object({ accountId: z.string(), displayName: z.string().optional() }).nullish(),
    })
    .optional(),
  changelog: z
    .object({
      items: z.array(
        z.object({
          field: z.string(),
          fieldId: z.string().nullish(),
          from: z.string().nullish(),
          to: z.string().nullish(),
          fromString: z.string().nullish(),
          toString: z.string().nullish(),
        }),
      ),
    })
    .nullish(),
});
export type JiraPayload = z.infer<typeof JiraPayload>;

export interface JiraSettings {
  /** drydock's Atlassian account id (the API token's owner). */
  selfId: string;
  /** The label that asks drydock to work on an issue; default `drydock`. */
  label: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A mention of an account in Jira's wiki markup, as a comment's body carries it. */
const wikiMention = (accountId: string) => `[~accountid:${accountId}]`;

/** Whether a comment's body (wiki markup, or ADF) mentions the account `accountId`. Pure. */
export function jiraMentions(body: unknown, accountId: string): boolean {
  if (typeof body === 'string') return body.includes(wikiMention(accountId));
  return adfMentionIds(body).includes(accountId);
}

/** A comment's text without its mentions of `accountId` (what was asked of drydock), trimmed. Pure. */
export function jiraCommentNote(body: unknown, accountId: string): string {
  const text =
    typeof body === 'string'
      ? body.replace(new RegExp(` ?${escapeRegExp(wikiMention(accountId))}[,:]?`, 'g'), '')
      : adfToText(body, { omitMentionOf: accountId });
  // What followed a leading mention (`@drydock: fix it`) starts with its punctuation.
  return text.replace(/^[\s,:]+/, '').trim();
}

/** Jira's label change strings are the labels, space-separated. */
const labelsOf = (value: string | null | undefined) => new Set((value ?? '').split(/\s+/).filter(Boolean));

/**
 * What a Jira delivery asks: an issue created with the `drydock` label or assigned to drydock, or updated to
 * have the label added or drydock as its assignee (read from the changelog, so an unrelated edit of an issue
 * that already has them asks nothing), or a comment mentioning drydock's account (the rest of the comment is
 * the request's note). drydock's own changes and comments are ignored. Pure.
 */
export function decideJiraEvent(payload: JiraPayload, settings: JiraSettings): TrackerDecision {
  const user = payload.user ?? null;
  if (user?.accountId === settings.selfId) return { action: 'ignore', reason: 'drydock’s own change' };
  const issue = payload.issue;
  if (!issue) return { action: 'ignore', reason: `${payload.webhookEvent} is not about an issue` };
  const requester = {
    id: user?.accountId ?? 'unknown',
    name: user?.displayName ?? user?.accountId ?? 'someone on Jira',
  };
  const work = (why: string): TrackerDecision => ({
    action: 'work',
    issue: issue.id,
    requester,
    note: null,
    why,
    agentSession: null,
  });
  const label = settings.label.toLowerCase();
  const hasLabel = (labels: Iterable<string>) => [...labels].some((name) => name.toLowerCase() === label);
  if (payload.webhookEvent === 'jira:issue_created') {
    if (hasLabel(issue.fields?.labels ?? [])) return work('labelled');
    if (issue.fields?.assignee?.accountId === settings.selfId) return work('assigned');
    return { action: 'ignore', reason: 'neither labelled for nor assigned to drydock' };
  }
  if (payload.webhookEvent === 'comment_created') {
    const comment = payload.comment;
    if (!comment) return { action: 'ignore', reason: 'a comment_created without its comment' };
    const author = comment.author ?? null;
    if (author?.accountId === settings.selfId) return { action: 'ignore', reason: 'drydock’s own comment' };
    if (!jiraMentions(comment.body, settings.selfId))
      return { action: 'ignore', reason: 'drydock is not mentioned' };
    return {
      action: 'work',
      issue: issue.id,
      requester: author ? { id: author.accountId, name: author.displayName ?? author.accountId } : requester,
      note: jiraCommentNote(comment.body, settings.selfId) || null,
      why: 'mentioned',
      agentSession: null,
    };
  }
  if (payload.webhookEvent === 'jira:issue_updated') {
    for (const item of payload.changelog?.items ?? []) {
      const field = item.fieldId ?? item.field;
      if (field === 'labels' && hasLabel(labelsOf(item.toString)) && !hasLabel(labelsOf(item.fromString))) {
        return work('labelled');
      }
      if (field === 'assignee' && item.to === settings.selfId && item.from !== settings.selfId) {
        return work('assigned');
      }
    }
    return { action: 'ignore', reason: 'no label or assignment for drydock in this change' };
  }
  return { action: 'ignore', reason: `${payload.webhookEvent} is not an event drydock acts on` };
}
