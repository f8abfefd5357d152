import { z } from 'zod';
import { mentions, stripMention, type TrackerDecision } from './tracker-events.ts';

/**
 * A Linear webhook payload (https://linear.app/developers/webhooks): the fields drydock reads of the `Issue`,
 * `Comment` and `AgentSessionEvent` payloads, with Linear's names. Everything else passes through unread.
 */
export const LinearPayload = z.object({
  type: z.string(),
  action: z.string(),
  /** When Linear sent it, in ms: checked against a 60 s window (a replay of an old delivery is refused). */
  webhookTimestamp: z.number(),
  actor: z.object({ id: z.string(), name: z.string().optional() }).nullish(),
  data: z.record(z.string(), z.unknown()).optional(),
  updatedFrom: z.record(z.string(), z.unknown()).nullish(),
  agentSession: z
    .object({
      id: z.string(),
      issueId: z.string().nullish(),
      issue: z.object({ id: z.string() }).nullish(),
      creator: z.object({ id: z.string(), name: z.string() }).nullish(),
      creatorId: z.string().nullish(),
    })
    .optional(),
  agentActivity: z
    .object({
      content: z.object({ type: z.string().optional(), body: z.string().optional() }).passthrough(),
      user: z.object({ id: z.string(), name: z.string() }).nullish(),
    })
    .nullish(),
});
export type LinearPayload = z.infer<typeof LinearPayload>;

const IssueData = z.object({
  id: z.string(),
  assigneeId: z.string().nullish(),
  delegateId: z.string().nullish(),
});
const CommentData = z.object({
  id: z.string(),
  body: z.string(),
  issueId: z.string().nullish(),
  userId: z.string().nullish(),
  user: z.object({ id: z.string(), name: z.string() }).nullish(),
});

export interface LinearSettings {
  /** drydock's Linear user (the API key's): assignments and delegations to it are requests. */
  selfId: string;
  /** The name a comment mentions drydock by (`@drydock`); default `drydock`. */
  handle: string;
}

/**
 * What a Linear delivery asks: an issue created with, or updated to, drydock as its assignee or delegate (an
 * agent's issues are delegated to it), a comment mentioning `@<handle>`, or an agent session created for
 * drydock (Linear's agent API: a mention or delegation of an app user). Drydock's own comments and changes
 * are ignored, so its posts never trigger it. Pure.
 */
export function decideLinearEvent(payload: LinearPayload, settings: LinearSettings): TrackerDecision {
  const actor = payload.actor ?? null;
  if (actor?.id === settings.selfId) return { action: 'ignore', reason: 'drydock’s own change' };
  const requester = { id: actor?.id ?? 'unknown', name: actor?.name ?? actor?.id ?? 'someone on Linear' };
  if (payload.type === 'Issue' && (payload.action === 'create' || payload.action === 'update')) {
    const issue = IssueData.safeParse(payload.data);
    if (!issue.success) return { action: 'ignore', reason: 'an Issue payload without its data' };
    const before = payload.updatedFrom ?? {};
    for (const [field, why] of [
      ['assigneeId', 'assigned'],
      ['delegateId', 'delegated'],
    ] as const) {
      const now = issue.data[field];
      // An update names the fields it changed in updatedFrom; a create is a change of every field.
      const changed = payload.action === 'create' || (field in before && before[field] !== now);
      if (now === settings.selfId && changed) {
        return { action: 'work', issue: issue.data.id, requester, note: null, why, agentSession: null };
      }
    }
    return { action: 'ignore', reason: 'not an assignment or delegation to drydock' };
  }
  if (payload.type === 'Comment' && payload.action === 'create') {
    const comment = CommentData.safeParse(payload.data);
    if (!comment.success || !comment.data.issueId)
      return { action: 'ignore', reason: 'not a comment on an issue' };
    if (comment.data.userId === settings.selfId) return { action: 'ignore', reason: 'drydock’s own comment' };
    if (!mentions(comment.data.body, settings.handle))
      return { action: 'ignore', reason: 'drydock is not mentioned' };
    const user = comment.data.user ?? null;
    return {
      action: 'work',
      issue: comment.data.issueId,
      requester: user ? { id: user.id, name: user.name } : requester,
      note: stripMention(comment.data.body, settings.handle) || null,
      why: 'mentioned',
      agentSession: null,
    };
  }
  if (
    payload.type === 'AgentSessionEvent' &&
    (payload.action === 'created' || payload.action === 'prompted')
  ) {
    const session = payload.agentSession;
    const issue = session?.issue?.id ?? session?.issueId ?? null;
    if (!session || !issue) return { action: 'ignore', reason: 'an agent session without an issue' };
    const creator = session.creator ?? null;
    const who = creator ? { id: creator.id, name: creator.name } : requester;
    if (payload.action === 'created') {
      return {
        action: 'work',
        issue,
        requester: who,
        note: null,
        why: 'agent_session',
        agentSession: session.id,
      };
    }
    // A prompt: the person's reply in the session, a follow-up for the session drydock runs on the issue.
    const body = payload.agentActivity?.content.body;
    if (typeof body !== 'string' || body.trim() === '')
      return { action: 'ignore', reason: 'an empty prompt' };
    const author = payload.agentActivity?.user ?? null;
    return {
      action: 'work',
      issue,
      requester: author ? { id: author.id, name: author.name } : who,
      note: body.trim(),
      why: 'prompted',
      agentSession: session.id,
    };
  }
  return { action: 'ignore', reason: `${payload.type} ${payload.action} is not an event drydock acts on` };
}
