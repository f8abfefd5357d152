import { z } from 'zod';
import { forgeRepoName } from '../core/forge-repo.ts';
import { type PlaybookCall, parsePlaybookCall } from '../core/playbook.ts';
import { asksForReview, asksToFix, mentions, taskAfterMention } from './github-events.ts';

const user = z.object({ id: z.number().int().optional(), username: z.string(), name: z.string().optional() });
const project = z.object({ path_with_namespace: z.string() });
const label = z.object({ title: z.string() });

/**
 * The parts of GitLab's webhook payloads drydock reads (zod, so anything else is ignored, not trusted), by
 * `X-Gitlab-Event`. Field names as GitLab documents them (docs.gitlab.com, "Webhook events").
 */
const note = z.object({
  object_kind: z.literal('note'),
  user,
  project,
  object_attributes: z.object({
    id: z.number().int(),
    note: z.string(),
    noteable_type: z.string(),
    system: z.boolean().nullish(),
    /** `create` or `update` (GitLab 16.11 on; absent before, when notes fired on creation only). */
    action: z.string().optional(),
    type: z.string().nullish(),
    /** The discussion (thread) the note is in: a reply's is its thread's. */
    discussion_id: z.string().nullish(),
    position: z.object({ new_path: z.string().nullish(), new_line: z.number().nullish() }).nullish(),
  }),
  issue: z.object({ iid: z.number().int(), title: z.string(), description: z.string().nullish() }).optional(),
  merge_request: z.object({ iid: z.number().int() }).optional(),
});
const issue = z.object({
  object_kind: z.literal('issue'),
  user,
  project,
  object_attributes: z.object({
    iid: z.number().int(),
    title: z.string(),
    description: z.string().nullish(),
    action: z.string().optional(),
  }),
  changes: z
    .object({ labels: z.object({ previous: z.array(label), current: z.array(label) }).optional() })
    .optional(),
});
const mergeRequest = z.object({
  object_kind: z.literal('merge_request'),
  user,
  project,
  object_attributes: z.object({
    iid: z.number().int(),
    url: z.string(),
    state: z.string(),
    action: z.string().optional(),
    /** The head before an `update`: present only when the update pushed commits. */
    oldrev: z.string().nullish(),
    draft: z.boolean().nullish(),
    work_in_progress: z.boolean().nullish(),
  }),
  changes: z
    .object({
      draft: z.object({ previous: z.boolean().nullish(), current: z.boolean().nullish() }).optional(),
    })
    .optional(),
});
const pipeline = z.object({
  object_kind: z.literal('pipeline'),
  project,
  object_attributes: z.object({ sha: z.string(), status: z.string() }),
  merge_request: z.object({ iid: z.number().int() }).nullish(),
});

export interface GitlabTriggerSettings {
  /** drydock's own username on GitLab (the token's user or bot): its notes are never acted on. */
  botUsername: string;
  /** The label that hands an issue to drydock. */
  label: string;
  /** The handle people mention, without `@`. */
  handle: string;
}

export const DEFAULT_GITLAB_SETTINGS: GitlabTriggerSettings = {
  botUsername: 'drydock',
  label: 'drydock',
  handle: 'drydock',
};

export type GitlabDecision =
  /** Work on an issue: a session on the project (`repo` is `gitlab:<path>`). */
  | {
      action: 'start';
      repo: string;
      issue: number;
      task: string;
      requester: string;
      /** `@drydock dep-bump package=lodash`: that playbook if there is one, else `task` (docs/playbooks.md). */
      playbook?: PlaybookCall;
    }
  /** A note addressing drydock on a merge request: a follow-up turn if the merge request is drydock's. */
  | { action: 'follow_up'; repo: string; mergeRequest: number; text: string; requester: string }
  /**
   * Review a merge request (docs/review.md): `automatic` for a merge request event, which only a project with
   * review turned on acts on; an `@drydock review` note asks for one anyway.
   */
  | { action: 'review'; repo: string; mergeRequest: number; requester: string; automatic: boolean }
  /**
   * `@drydock fix this` in discussion `discussionId` (note `noteId`): a fix of that finding if the discussion
   * is one of drydock's review comments, else a follow-up like any note (`text`).
   */
  | {
      action: 'fix_finding';
      repo: string;
      mergeRequest: number;
      noteId: number;
      discussionId: string;
      text: string;
      requester: string;
    }
  /** A pipeline finished on a commit: CI follow-up looks at its jobs, if it is a drydock merge request's head. */
  | { action: 'pipeline'; repo: string; sha: string; mergeRequests: number[] }
  /** A merge request was merged or closed: `pull.closed` on its session, if it is drydock's. */
  | { action: 'closed'; repo: string; mergeRequest: number; url: string; merged: boolean; by: string }
  | { action: 'ignore'; reason: string };

/**
 * Whether a Merge Request Hook changed what there is to review, and how: `open` and `reopen`, an `update` that
 * pushed commits (`oldrev` is set only then: a title or label edit is no reason to review again), or one that
 * took the merge request out of draft (GitHub's `ready_for_review`). Null for anything else. Pure.
 */
export function reviewedAction(
  action: string | undefined,
  oldrev: string | null | undefined,
  draft: { previous?: boolean | null; current?: boolean | null } | undefined,
): 'open' | 'push' | 'ready' | null {
  if (action === 'open' || action === 'reopen') return 'open';
  if (action !== 'update') return null;
  if (oldrev) return 'push';
  return draft?.previous === true && draft.current === false ? 'ready' : null;
}

/** Pipeline statuses that are final: CI follow-up then has every job's result. */
const FINISHED_PIPELINE = new Set(['success', 'failed', 'canceled']);

function issueTask(title: string, body: string | null | undefined, request: string | null): string {
  const parts = [`Issue: ${title}`];
  if (body?.trim()) parts.push(body.trim());
  if (request) parts.push(`Request: ${request}`);
  return parts.join('\n\n');
}

/**
 * Which GitLab webhook deliveries ask drydock for something, by `X-Gitlab-Event` and payload. Pure: who
 * may ask (the member's access level) and whether a merge request is drydock's come after, from the API
 * and the store. Never reacts to drydock's own notes, to system notes, or to an edited note.
 */
export function decideGitlabEvent(
  event: string,
  payload: unknown,
  settings: GitlabTriggerSettings,
): GitlabDecision {
  if (event === 'Note Hook' || event === 'Confidential Note Hook') {
    const parsed = note.safeParse(payload);
    if (!parsed.success)
      return { action: 'ignore', reason: 'the note payload is not one drydock understands' };
    const data = parsed.data;
    const attributes = data.object_attributes;
    const requester = data.user.username;
    if (requester.toLowerCase() === settings.botUsername.toLowerCase()) {
      return { action: 'ignore', reason: 'drydock does not react to its own notes' };
    }
    if (attributes.system) return { action: 'ignore', reason: 'a system note' };
    if (attributes.action !== undefined && attributes.action !== 'create') {
      return { action: 'ignore', reason: `note ${attributes.action}` };
    }
    if (!mentions(attributes.note, settings.handle)) {
      return { action: 'ignore', reason: 'discussion that does not address drydock' };
    }
    const repo = forgeRepoName('gitlab', data.project.path_with_namespace);
    const request = taskAfterMention(attributes.note, settings.handle);
    if (attributes.noteable_type === 'Issue' && data.issue) {
      const call = parsePlaybookCall(request);
      return {
        action: 'start',
        repo,
        issue: data.issue.iid,
        task: issueTask(data.issue.title, data.issue.description, request || null),
        requester,
        ...(call ? { playbook: call } : {}),
      };
    }
    if (attributes.noteable_type === 'MergeRequest' && data.merge_request) {
      const mergeRequest = data.merge_request.iid;
      if (asksForReview(request))
        return { action: 'review', repo, mergeRequest, requester, automatic: false };
      const position = attributes.position;
      const where = position?.new_path
        ? ` (on ${position.new_path}${position.new_line ? `:${position.new_line}` : ''})`
        : '';
      const text = `${request || attributes.note}${where}`;
      if (attributes.discussion_id && asksToFix(request)) {
        return {
          action: 'fix_finding',
          repo,
          mergeRequest,
          noteId: attributes.id,
          discussionId: attributes.discussion_id,
          text,
          requester,
        };
      }
      return { action: 'follow_up', repo, mergeRequest, text, requester };
    }
    return { action: 'ignore', reason: `a note on a ${attributes.noteable_type}` };
  }
  if (event === 'Issue Hook' || event === 'Confidential Issue Hook') {
    const parsed = issue.safeParse(payload);
    if (!parsed.success)
      return { action: 'ignore', reason: 'the issue payload is not one drydock understands' };
    const data = parsed.data;
    if (data.user.username.toLowerCase() === settings.botUsername.toLowerCase()) {
      return { action: 'ignore', reason: 'drydock does not react to its own changes' };
    }
    const wanted = settings.label.toLowerCase();
    const labels = data.changes?.labels;
    const had = labels?.previous.some((each) => each.title.toLowerCase() === wanted) ?? false;
    const has = labels?.current.some((each) => each.title.toLowerCase() === wanted) ?? false;
    if (!labels || had || !has) return { action: 'ignore', reason: `not the ${settings.label} label added` };
    const attributes = data.object_attributes;
    return {
      action: 'start',
      repo: forgeRepoName('gitlab', data.project.path_with_namespace),
      issue: attributes.iid,
      task: issueTask(attributes.title, attributes.description, null),
      requester: data.user.username,
    };
  }
  if (event === 'Merge Request Hook') {
    const parsed = mergeRequest.safeParse(payload);
    if (!parsed.success) {
      return { action: 'ignore', reason: 'the merge request payload is not one drydock understands' };
    }
    const attributes = parsed.data.object_attributes;
    const repo = forgeRepoName('gitlab', parsed.data.project.path_with_namespace);
    const by = parsed.data.user.username;
    const review = reviewedAction(attributes.action, attributes.oldrev, parsed.data.changes?.draft);
    if (review) {
      // drydock's own push onto someone's merge request (a fix it was asked for) is reviewed like any other
      // push; its own merge requests are skipped later, by their link.
      if (by.toLowerCase() === settings.botUsername.toLowerCase() && review !== 'push') {
        return { action: 'ignore', reason: 'drydock does not react to its own changes' };
      }
      if (attributes.draft || attributes.work_in_progress) {
        return { action: 'ignore', reason: 'a draft merge request' };
      }
      return { action: 'review', repo, mergeRequest: attributes.iid, requester: by, automatic: true };
    }
    const merged =
      attributes.action === 'merge' || (attributes.action === undefined && attributes.state === 'merged');
    const closed =
      attributes.action === 'close' || (attributes.action === undefined && attributes.state === 'closed');
    if (!merged && !closed)
      return { action: 'ignore', reason: `merge request ${attributes.action ?? attributes.state}` };
    return { action: 'closed', repo, mergeRequest: attributes.iid, url: attributes.url, merged, by };
  }
  if (event === 'Pipeline Hook') {
    const parsed = pipeline.safeParse(payload);
    if (!parsed.success) {
      return { action: 'ignore', reason: 'the pipeline payload is not one drydock understands' };
    }
    const { object_attributes: attributes, merge_request: request } = parsed.data;
    if (!FINISHED_PIPELINE.has(attributes.status)) {
      return { action: 'ignore', reason: `pipeline ${attributes.status}` };
    }
    return {
      action: 'pipeline',
      repo: forgeRepoName('gitlab', parsed.data.project.path_with_namespace),
      sha: attributes.sha,
      mergeRequests: request ? [request.iid] : [],
    };
  }
  return { action: 'ignore', reason: `event ${event} is not one drydock acts on` };
}
