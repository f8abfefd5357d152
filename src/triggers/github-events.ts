import { z } from 'zod';
import { type PlaybookCall, parsePlaybookCall } from '../core/playbook.ts';
import type { RepoPermission } from '../core/ports/forge.ts';
import type { Requester } from '../core/session.ts';

const user = z.object({ login: z.string(), id: z.number().int().optional(), type: z.string().optional() });
const repository = z.object({ full_name: z.string() });
const issue = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  pull_request: z.object({}).passthrough().optional(),
});

/** The parts of GitHub webhook payloads drydock reads (zod, so anything else is ignored, not trusted). */
export const GITHUB_PAYLOADS = {
  issues: z.object({
    action: z.string(),
    issue,
    label: z.object({ name: z.string() }).optional(),
    repository,
    sender: user,
  }),
  issue_comment: z.object({
    action: z.string(),
    issue,
    comment: z.object({ id: z.number(), body: z.string(), user }),
    repository,
    sender: user,
  }),
  pull_request_review: z.object({
    action: z.string(),
    review: z.object({ body: z.string().nullish(), state: z.string(), user }),
    pull_request: z.object({ number: z.number().int(), head: z.object({ ref: z.string() }) }),
    repository,
    sender: user,
  }),
  pull_request: z.object({
    action: z.string(),
    pull_request: z.object({
      number: z.number().int(),
      draft: z.boolean().optional(),
      state: z.string().optional(),
    }),
    repository,
    sender: user,
  }),
  pull_request_review_comment: z.object({
    action: z.string(),
    comment: z.object({
      id: z.number().int().optional(),
      body: z.string(),
      path: z.string().optional(),
      line: z.number().nullish(),
      in_reply_to_id: z.number().int().optional(),
      user,
    }),
    pull_request: z.object({ number: z.number().int(), head: z.object({ ref: z.string() }) }),
    repository,
    sender: user,
  }),
} as const;

export interface GithubTriggerSettings {
  /** drydock's own login (the App's bot, or the token's user): its comments are never acted on. */
  botLogin: string;
  /** The label that hands an issue to drydock. */
  label: string;
  /** The handle people mention, without `@`. */
  handle: string;
}

export type GithubDecision =
  | {
      action: 'start';
      repo: string;
      number: number;
      task: string;
      requester: string;
      /** The sender as the co-author of the session's commits, when the payload carries their id. */
      requestedBy?: Requester;
      /** `@drydock dep-bump package=lodash`: run that playbook if there is one, else `task` (docs/playbooks.md). */
      playbook?: PlaybookCall;
    }
  | { action: 'follow_up'; repo: string; number: number; text: string; requester: string }
  /**
   * Review a pull request (docs/review.md): `automatic` for a pull request event, which only a repository
   * with review turned on acts on; an `@drydock review` comment asks for one anyway.
   */
  | { action: 'review'; repo: string; number: number; requester: string; automatic: boolean }
  /**
   * `@drydock fix this` replying to review comment `commentId` (drydock's, if it is one of its findings);
   * `text` is the follow-up to send instead when the pull request is drydock's own and the comment no finding.
   */
  | {
      action: 'fix_finding';
      repo: string;
      number: number;
      commentId: number;
      requester: string;
      text: string;
    }
  | { action: 'ignore'; reason: string };

/** The pull request actions that change what there is to review. */
export const REVIEWED_PULL_ACTIONS = ['opened', 'synchronize', 'reopened', 'ready_for_review'] as const;

/** `@drydock review` (alone, any case, a full stop allowed): asks for a review of the pull request. Pure. */
export function asksForReview(request: string): boolean {
  return /^review[.!]?$/i.test(request.trim());
}

/** `@drydock fix this` (then anything): asks drydock to fix the finding replied to. Pure. */
export function asksToFix(request: string): boolean {
  return /^fix\s+(this|it)\b/i.test(request.trim());
}

/** Whether `text` addresses drydock: `@drydock` as a whole word, any case. */
export function mentions(text: string, handle: string): boolean {
  return new RegExp(`(^|[^\\w@/-])@${escapeRegExp(handle)}(?![\\w-])`, 'i').test(text);
}

/** What follows the first mention, trimmed: `@drydock fix the test` → `fix the test`. */
export function taskAfterMention(text: string, handle: string): string {
  const match = new RegExp(`@${escapeRegExp(handle)}(?![\\w-])[,:]?`, 'i').exec(text);
  return match ? text.slice(match.index + match[0].length).trim() : text.trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function issueTask(title: string, body: string | null | undefined, request: string | null): string {
  const parts = [`Issue: ${title}`];
  if (body?.trim()) parts.push(body.trim());
  if (request) parts.push(`Request: ${request}`);
  return parts.join('\n\n');
}

/**
 * Which GitHub webhook deliveries ask drydock for work. Pure: the permission check and whether a pull
 * request is drydock's come after, from the API and the store. Never reacts to bots or to itself.
 */
export function decideGithubEvent(
  event: string,
  payload: unknown,
  settings: GithubTriggerSettings,
): GithubDecision {
  const schema = GITHUB_PAYLOADS[event as keyof typeof GITHUB_PAYLOADS];
  if (!schema) return { action: 'ignore', reason: `event ${event} is not one drydock acts on` };
  const parsed = schema.safeParse(payload);
  if (!parsed.success)
    return { action: 'ignore', reason: `the ${event} payload is not one drydock understands` };
  const data = parsed.data;
  const sender = data.sender;
  const self = sender.login.toLowerCase() === settings.botLogin.toLowerCase();
  // drydock's own push onto someone's pull request (a fix it was asked for) is reviewed like any other push;
  // its own pull requests are skipped later, by their link.
  const ownPush = self && event === 'pull_request' && data.action === 'synchronize';
  if (self && !ownPush) {
    return { action: 'ignore', reason: 'drydock does not react to its own comments' };
  }
  if (sender.type === 'Bot' && !ownPush) return { action: 'ignore', reason: 'sent by a bot' };
  const repo = data.repository.full_name;
  const requester = sender.login;
  const requestedBy = sender.id === undefined ? {} : { requestedBy: githubCoAuthor(sender.login, sender.id) };

  if ('label' in data && event === 'issues') {
    const labelled =
      data.action === 'labeled' && data.label?.name.toLowerCase() === settings.label.toLowerCase();
    if (!labelled || data.issue.pull_request)
      return { action: 'ignore', reason: `not the ${settings.label} label on an issue` };
    return {
      action: 'start',
      repo,
      number: data.issue.number,
      task: issueTask(data.issue.title, data.issue.body, null),
      requester,
      ...requestedBy,
    };
  }
  if (event === 'issue_comment' && 'comment' in data && 'issue' in data) {
    if (data.action !== 'created') return { action: 'ignore', reason: `comment ${data.action}` };
    if (!mentions(data.comment.body, settings.handle))
      return { action: 'ignore', reason: 'discussion that does not address drydock' };
    const request = taskAfterMention(data.comment.body, settings.handle);
    if (data.issue.pull_request && asksForReview(request)) {
      return { action: 'review', repo, number: data.issue.number, requester, automatic: false };
    }
    if (data.issue.pull_request) {
      return {
        action: 'follow_up',
        repo,
        number: data.issue.number,
        text: request || data.comment.body,
        requester,
      };
    }
    const call = parsePlaybookCall(request);
    return {
      action: 'start',
      repo,
      number: data.issue.number,
      task: issueTask(data.issue.title, data.issue.body, request || null),
      requester,
      ...requestedBy,
      ...(call ? { playbook: call } : {}),
    };
  }
  if (event === 'pull_request_review' && 'review' in data) {
    const body = data.review.body ?? '';
    const changes = data.review.state.toLowerCase() === 'changes_requested';
    if (data.action !== 'submitted' || (!changes && !mentions(body, settings.handle))) {
      return { action: 'ignore', reason: 'a review that neither requests changes nor addresses drydock' };
    }
    const text = taskAfterMention(body, settings.handle) || 'The reviewer requested changes.';
    return { action: 'follow_up', repo, number: data.pull_request.number, text, requester };
  }
  if (event === 'pull_request' && 'pull_request' in data && !('comment' in data) && !('review' in data)) {
    if (!(REVIEWED_PULL_ACTIONS as readonly string[]).includes(data.action)) {
      return { action: 'ignore', reason: `pull request ${data.action}` };
    }
    if (data.pull_request.draft) return { action: 'ignore', reason: 'a draft pull request' };
    return { action: 'review', repo, number: data.pull_request.number, requester, automatic: true };
  }
  if (event === 'pull_request_review_comment' && 'pull_request' in data && 'comment' in data) {
    if (data.action !== 'created' || !mentions(data.comment.body, settings.handle)) {
      return { action: 'ignore', reason: 'a review comment that does not address drydock' };
    }
    const where = data.comment.path
      ? ` (on ${data.comment.path}${data.comment.line ? `:${data.comment.line}` : ''})`
      : '';
    const request = taskAfterMention(data.comment.body, settings.handle);
    const text = `${request}${where}`;
    const replyTo = data.comment.in_reply_to_id;
    if (replyTo !== undefined && asksToFix(request)) {
      return {
        action: 'fix_finding',
        repo,
        number: data.pull_request.number,
        commentId: replyTo,
        requester,
        text,
      };
    }
    return { action: 'follow_up', repo, number: data.pull_request.number, text, requester };
  }
  return { action: 'ignore', reason: `event ${event} is not one drydock acts on` };
}

/** A GitHub user as a co-author: their login and no-reply address (`<id>+<login>@users.noreply.github.com`). Pure. */
export function githubCoAuthor(login: string, id: number): Requester {
  return { name: login, email: `${id}+${login}@users.noreply.github.com` };
}

/** Only people who can write to the repository may give drydock work there. Pure. */
export function mayTrigger(permission: RepoPermission): boolean {
  return permission === 'write' || permission === 'admin';
}
