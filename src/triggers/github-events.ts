import { z } from 'zod';
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
  pull_request_review_comment: z.object({
    action: z.string(),
    comment: z.object({ body: z.string(), path: z.string().optional(), line: z.number().nullish(), user }),
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
    }
  | { action: 'follow_up'; repo: string; number: number; text: string; requester: string }
  | { action: 'ignore'; reason: string };

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
  if (sender.login.toLowerCase() === settings.botLogin.toLowerCase()) {
    return { action: 'ignore', reason: 'drydock does not react to its own comments' };
  }
  if (sender.type === 'Bot') return { action: 'ignore', reason: 'sent by a bot' };
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
    if (data.issue.pull_request) {
      return {
        action: 'follow_up',
        repo,
        number: data.issue.number,
        text: request || data.comment.body,
        requester,
      };
    }
    return {
      action: 'start',
      repo,
      number: data.issue.number,
      task: issueTask(data.issue.title, data.issue.body, request || null),
      requester,
      ...requestedBy,
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
  if (event === 'pull_request_review_comment' && 'pull_request' in data && 'comment' in data) {
    if (data.action !== 'created' || !mentions(data.comment.body, settings.handle)) {
      return { action: 'ignore', reason: 'a review comment that does not address drydock' };
    }
    const where = data.comment.path
      ? ` (on ${data.comment.path}${data.comment.line ? `:${data.comment.line}` : ''})`
      : '';
    return {
      action: 'follow_up',
      repo,
      number: data.pull_request.number,
      text: `${taskAfterMention(data.comment.body, settings.handle)}${where}`,
      requester,
    };
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
