import { z } from 'zod';
import { forgeRepoName } from '../core/forge-repo.ts';
import { mentions, taskAfterMention } from './github-events.ts';

/**
 * The parts of Gitea's (and Forgejo's) webhook payloads drydock reads (zod, so anything else is ignored,
 * not trusted), by `X-Gitea-Event` / `X-Forgejo-Event`. Gitea's payloads are GitHub-like (modules/structs/
 * hook.go): `action`, `issue`, `comment`, `pull_request`, `repository.full_name`, `sender.login`.
 */
const user = z.object({ login: z.string() });
const repository = z.object({ full_name: z.string() });
const issue = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  labels: z.array(z.object({ name: z.string() })).nullish(),
  /** Set on a pull request (issues and pull requests share one numbering and one comment API). */
  pull_request: z.object({ merged: z.boolean().nullish() }).nullish(),
});
const issueComment = z.object({
  action: z.string(),
  issue,
  comment: z.object({ id: z.number().int(), body: z.string() }),
  repository,
  sender: user,
  is_pull: z.boolean().nullish(),
});
const issues = z.object({ action: z.string(), issue, repository, sender: user });
const pullRequest = z.object({
  action: z.string(),
  number: z.number().int(),
  pull_request: z.object({
    number: z.number().int(),
    html_url: z.string(),
    merged: z.boolean().nullish(),
    merged_by: user.nullish(),
  }),
  repository,
  sender: user,
  /** A submitted review (`pull_request_comment` and friends): its body. */
  review: z.object({ type: z.string(), content: z.string() }).nullish(),
});
const commitStatus = z.object({
  sha: z.string(),
  state: z.string(),
  context: z.string().nullish(),
  repository,
});

export interface GiteaTriggerSettings {
  /** drydock's own login on the server (DRYDOCK_GITEA_LOGIN): its comments are never acted on. */
  botLogin: string;
  /** The label that hands an issue to drydock. */
  label: string;
  /** The handle people mention, without `@`. */
  handle: string;
}

export const DEFAULT_GITEA_SETTINGS: GiteaTriggerSettings = {
  botLogin: 'drydock',
  label: 'drydock',
  handle: 'drydock',
};

export type GiteaDecision =
  /**
   * Work on an issue: a session on the repository (`repo` is `gitea:<owner/name>`). `labelled` when the
   * label asked: Gitea does not say which label a change added, so an issue drydock already has is left be.
   */
  | { action: 'start'; repo: string; issue: number; task: string; requester: string; labelled: boolean }
  /** A comment addressing drydock on a pull request: a follow-up turn if the pull request is drydock's. */
  | { action: 'follow_up'; repo: string; pull: number; text: string; requester: string }
  /** A commit status settled: CI follow-up looks at the commit's statuses, if it is a drydock pull request's head. */
  | { action: 'status'; repo: string; sha: string }
  /** A pull request was merged or closed: `pull.closed` on its session, if it is drydock's. */
  | { action: 'closed'; repo: string; pull: number; url: string; merged: boolean; by: string }
  | { action: 'ignore'; reason: string };

/** Commit status states that are final (`pending` is not). */
const SETTLED_STATUS = new Set(['success', 'failure', 'error', 'warning']);

function issueTask(title: string, body: string | null | undefined, request: string | null): string {
  const parts = [`Issue: ${title}`];
  if (body?.trim()) parts.push(body.trim());
  if (request) parts.push(`Request: ${request}`);
  return parts.join('\n\n');
}

/**
 * Which Gitea or Forgejo webhook deliveries ask drydock for something, by event header and payload. Pure:
 * who may ask (the collaborator permission) and whether a pull request is drydock's come after, from the
 * API and the store. Never reacts to drydock's own comments, or to an edited or deleted comment.
 */
export function decideGiteaEvent(
  event: string,
  payload: unknown,
  settings: GiteaTriggerSettings,
): GiteaDecision {
  const own = (login: string) => login.toLowerCase() === settings.botLogin.toLowerCase();
  if (event === 'issue_comment') {
    const parsed = issueComment.safeParse(payload);
    if (!parsed.success)
      return { action: 'ignore', reason: 'the comment payload is not one drydock understands' };
    const data = parsed.data;
    const requester = data.sender.login;
    if (own(requester)) return { action: 'ignore', reason: 'drydock does not react to its own comments' };
    if (data.action !== 'created') return { action: 'ignore', reason: `comment ${data.action}` };
    if (!mentions(data.comment.body, settings.handle)) {
      return { action: 'ignore', reason: 'discussion that does not address drydock' };
    }
    const repo = forgeRepoName('gitea', data.repository.full_name);
    const request = taskAfterMention(data.comment.body, settings.handle);
    if (data.is_pull || data.issue.pull_request) {
      return {
        action: 'follow_up',
        repo,
        pull: data.issue.number,
        text: request || data.comment.body,
        requester,
      };
    }
    return {
      action: 'start',
      repo,
      issue: data.issue.number,
      task: issueTask(data.issue.title, data.issue.body, request || null),
      requester,
      labelled: false,
    };
  }
  if (event === 'issues') {
    const parsed = issues.safeParse(payload);
    if (!parsed.success)
      return { action: 'ignore', reason: 'the issue payload is not one drydock understands' };
    const data = parsed.data;
    if (own(data.sender.login))
      return { action: 'ignore', reason: 'drydock does not react to its own changes' };
    // `label_updated` (labels changed) or `opened` with labels: the payload has the labels as they are now.
    if (data.action !== 'label_updated' && data.action !== 'opened') {
      return { action: 'ignore', reason: `issue ${data.action}` };
    }
    const wanted = settings.label.toLowerCase();
    if (!data.issue.labels?.some((label) => label.name.toLowerCase() === wanted)) {
      return { action: 'ignore', reason: `not labelled ${settings.label}` };
    }
    return {
      action: 'start',
      repo: forgeRepoName('gitea', data.repository.full_name),
      issue: data.issue.number,
      task: issueTask(data.issue.title, data.issue.body, null),
      requester: data.sender.login,
      labelled: true,
    };
  }
  if (event === 'pull_request') {
    const parsed = pullRequest.safeParse(payload);
    if (!parsed.success) {
      return { action: 'ignore', reason: 'the pull request payload is not one drydock understands' };
    }
    const data = parsed.data;
    if (data.action !== 'closed') return { action: 'ignore', reason: `pull request ${data.action}` };
    const merged = data.pull_request.merged === true;
    return {
      action: 'closed',
      repo: forgeRepoName('gitea', data.repository.full_name),
      pull: data.pull_request.number,
      url: data.pull_request.html_url,
      merged,
      by: (merged ? data.pull_request.merged_by?.login : undefined) ?? data.sender.login,
    };
  }
  if (event === 'pull_request_comment' || event === 'pull_request_rejected') {
    // A review submitted with a body (a comment review, or changes requested) that addresses drydock.
    const parsed = pullRequest.safeParse(payload);
    if (!parsed.success || !parsed.data.review) {
      return { action: 'ignore', reason: 'the review payload is not one drydock understands' };
    }
    const data = parsed.data;
    const body = parsed.data.review?.content ?? '';
    if (own(data.sender.login))
      return { action: 'ignore', reason: 'drydock does not react to its own reviews' };
    if (!mentions(body, settings.handle)) {
      return { action: 'ignore', reason: 'a review that does not address drydock' };
    }
    return {
      action: 'follow_up',
      repo: forgeRepoName('gitea', data.repository.full_name),
      pull: data.pull_request.number,
      text: taskAfterMention(body, settings.handle) || body,
      requester: data.sender.login,
    };
  }
  if (event === 'status') {
    const parsed = commitStatus.safeParse(payload);
    if (!parsed.success)
      return { action: 'ignore', reason: 'the status payload is not one drydock understands' };
    if (!SETTLED_STATUS.has(parsed.data.state))
      return { action: 'ignore', reason: `status ${parsed.data.state}` };
    return {
      action: 'status',
      repo: forgeRepoName('gitea', parsed.data.repository.full_name),
      sha: parsed.data.sha,
    };
  }
  return { action: 'ignore', reason: `event ${event} is not one drydock acts on` };
}
