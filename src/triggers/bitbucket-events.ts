import { z } from 'zod';
import { forgeRepoName } from '../core/forge-repo.ts';
import { mentions, taskAfterMention } from './github-events.ts';

/**
 * The parts of Bitbucket Cloud's webhook payloads drydock reads (zod, so anything else is ignored, not
 * trusted), by `X-Event-Key`. Every payload carries `actor` (an account) and `repository` (`full_name` is
 * `workspace/repo_slug`); comments have `content.raw`, pull requests `id`, `state` and `links.html.href`.
 */
const account = z.object({
  /** The Atlassian account id: what the permissions API and `@{...}` mentions name a person by. */
  account_id: z.string().nullish(),
  /** `{...}`: the account's Bitbucket UUID, which the permissions API takes as well. */
  uuid: z.string().nullish(),
  nickname: z.string().nullish(),
  display_name: z.string().nullish(),
});
const repository = z.object({ full_name: z.string() });
const comment = z.object({
  id: z.number().int(),
  content: z.object({ raw: z.string().nullish() }),
  deleted: z.boolean().nullish(),
});
const issueComment = z.object({
  actor: account,
  repository,
  issue: z.object({
    id: z.number().int(),
    title: z.string(),
    content: z.object({ raw: z.string().nullish() }).nullish(),
  }),
  comment,
});
const pullrequest = z.object({
  id: z.number().int(),
  state: z.string(),
  links: z.object({ html: z.object({ href: z.string() }) }),
  closed_by: account.nullish(),
});
const pullRequestComment = z.object({ actor: account, repository, pullrequest, comment });
const pullRequestClosed = z.object({ actor: account, repository, pullrequest });
const commitStatus = z.object({
  repository,
  commit_status: z.object({
    state: z.string(),
    name: z.string().nullish(),
    /** Newer deliveries name the commit; every one links it (`.../commit/<hash>`). */
    commit: z.object({ hash: z.string() }).nullish(),
    links: z.object({ commit: z.object({ href: z.string() }).nullish() }).nullish(),
  }),
});

export interface BitbucketTriggerSettings {
  /**
   * drydock's own account (DRYDOCK_BITBUCKET_LOGIN): its account id, `{uuid}` or nickname. Its comments are
   * never acted on, and a mention of its account id (`@{<account id>}`, as Bitbucket's editor writes one)
   * addresses drydock as `@<handle>` does.
   */
  bot: string;
  /** The handle people mention, without `@`. */
  handle: string;
}

export const DEFAULT_BITBUCKET_SETTINGS: BitbucketTriggerSettings = { bot: 'drydock', handle: 'drydock' };

/** Who asked: `id` for the permissions API and the audit log, `name` for people to read. */
export interface BitbucketActor {
  id: string;
  name: string;
}

export type BitbucketDecision =
  /** An issue comment addressing drydock: a session on the repository (`repo` is `bitbucket:<workspace/repo>`). */
  | { action: 'start'; repo: string; issue: number; task: string; requester: BitbucketActor }
  /** A pull request comment addressing drydock: a follow-up turn if the pull request is drydock's. */
  | { action: 'follow_up'; repo: string; pull: number; text: string; requester: BitbucketActor }
  /** A commit status failed: CI follow-up looks at the commit's statuses, if it is a drydock pull request's head. */
  | { action: 'status'; repo: string; sha: string }
  /** A pull request was merged (fulfilled) or declined (rejected): `pull.closed` on its session, if it is drydock's. */
  | { action: 'closed'; repo: string; pull: number; url: string; merged: boolean; by: string }
  | { action: 'ignore'; reason: string };

/** A full or abbreviated commit hash, and nothing else (it goes into API paths). */
const COMMIT_HASH = /^[0-9a-f]{7,64}$/i;

/** The account's id and name, or null when the payload names neither (an account drydock cannot check). */
export function bitbucketActor(who: z.infer<typeof account> | null | undefined): BitbucketActor | null {
  const id = who?.account_id || who?.uuid;
  if (!id) return null;
  return { id, name: who?.nickname || who?.display_name || id };
}

/** Whether `who` is drydock's own account, by account id, UUID or nickname. Pure. */
function isBot(who: z.infer<typeof account>, bot: string): boolean {
  const own = bot.toLowerCase();
  return [who.account_id, who.uuid, who.nickname].some((each) => each?.toLowerCase() === own);
}

/** The comment with a mention of drydock's account id (`@{id}`) written as `@<handle>`. Pure. */
export function withHandleMentions(text: string, settings: BitbucketTriggerSettings): string {
  return text.split(`@{${settings.bot}}`).join(`@${settings.handle}`);
}

function issueTask(title: string, body: string | null | undefined, request: string | null): string {
  const parts = [`Issue: ${title}`];
  if (body?.trim()) parts.push(body.trim());
  if (request) parts.push(`Request: ${request}`);
  return parts.join('\n\n');
}

/** The commit a status is on: `commit.hash`, else the last segment of `links.commit.href`. */
function statusCommit(status: z.infer<typeof commitStatus>['commit_status']): string | null {
  const hash = status.commit?.hash ?? /\/commit\/([^/?#]+)\/?$/.exec(status.links?.commit?.href ?? '')?.[1];
  return hash && COMMIT_HASH.test(hash) ? hash : null;
}

/**
 * Which Bitbucket Cloud webhook deliveries ask drydock for something, by `X-Event-Key` and payload. Pure:
 * who may ask (the repository permission) and whether a pull request is drydock's come after, from the API
 * and the store. Never reacts to drydock's own comments, to a deleted comment, or to an account it cannot name.
 */
export function decideBitbucketEvent(
  event: string,
  payload: unknown,
  settings: BitbucketTriggerSettings,
): BitbucketDecision {
  if (event === 'issue:comment_created' || event === 'pullrequest:comment_created') {
    const onPull = event === 'pullrequest:comment_created';
    const parsed = (onPull ? pullRequestComment : issueComment).safeParse(payload);
    if (!parsed.success)
      return { action: 'ignore', reason: 'the comment payload is not one drydock understands' };
    const data = parsed.data;
    if (isBot(data.actor, settings.bot))
      return { action: 'ignore', reason: 'drydock does not react to its own comments' };
    if (data.comment.deleted) return { action: 'ignore', reason: 'comment deleted' };
    const body = withHandleMentions(data.comment.content.raw ?? '', settings);
    if (!mentions(body, settings.handle))
      return { action: 'ignore', reason: 'discussion that does not address drydock' };
    const requester = bitbucketActor(data.actor);
    if (!requester) return { action: 'ignore', reason: 'the comment names no account' };
    const repo = forgeRepoName('bitbucket', data.repository.full_name);
    const request = taskAfterMention(body, settings.handle);
    if ('pullrequest' in data) {
      return { action: 'follow_up', repo, pull: data.pullrequest.id, text: request || body, requester };
    }
    const { issue } = data;
    return {
      action: 'start',
      repo,
      issue: issue.id,
      task: issueTask(issue.title, issue.content?.raw, request || null),
      requester,
    };
  }
  if (event === 'pullrequest:fulfilled' || event === 'pullrequest:rejected') {
    const parsed = pullRequestClosed.safeParse(payload);
    if (!parsed.success) {
      return { action: 'ignore', reason: 'the pull request payload is not one drydock understands' };
    }
    const { pullrequest: pull, repository: repo, actor } = parsed.data;
    const by = bitbucketActor(pull.closed_by) ?? bitbucketActor(actor);
    return {
      action: 'closed',
      repo: forgeRepoName('bitbucket', repo.full_name),
      pull: pull.id,
      url: pull.links.html.href,
      merged: event === 'pullrequest:fulfilled',
      by: by?.name ?? 'unknown',
    };
  }
  if (event === 'repo:commit_status_updated' || event === 'repo:commit_status_created') {
    const parsed = commitStatus.safeParse(payload);
    if (!parsed.success)
      return { action: 'ignore', reason: 'the status payload is not one drydock understands' };
    const status = parsed.data.commit_status;
    // Only a failure asks for a fix; the CI watcher's own polls see the rest.
    if (status.state !== 'FAILED') return { action: 'ignore', reason: `status ${status.state}` };
    const sha = statusCommit(status);
    if (!sha) return { action: 'ignore', reason: 'the status names no commit' };
    return { action: 'status', repo: forgeRepoName('bitbucket', parsed.data.repository.full_name), sha };
  }
  return { action: 'ignore', reason: `event ${event} is not one drydock acts on` };
}
