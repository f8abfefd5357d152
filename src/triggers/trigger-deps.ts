import type { Forge } from '../core/ports/forge.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import type { BitbucketTriggerSettings } from './bitbucket-events.ts';
import type { GiteaTriggerSettings } from './gitea-events.ts';
import type { GithubTriggerSettings } from './github-events.ts';
import type { GitlabTriggerSettings } from './gitlab-events.ts';

/** What triggers (webhooks, schedules, Slack) are wired with. */
export interface TriggerDeps {
  sessions: SessionDeps;
  /**
   * The forges (a registry routing `owner/name` to GitHub, `gitlab:group/project` to GitLab and
   * `gitea:owner/name` to Gitea or Forgejo, `bitbucket:workspace/repo` to Bitbucket Cloud), or none:
   * then only local paths are accepted.
   */
  forge: Forge | null;
  /** The model of sessions triggers start. */
  defaultModel: string;
  /** The smart friend of sessions triggers start; absent: they have none. */
  defaultFriendModel?: string;
  /** Where people open a session: `<publicUrl>/sessions/<id>`. */
  publicUrl: string;
  github: GithubTriggerSettings;
  /** drydock's GitLab username, label and handle; default DEFAULT_GITLAB_SETTINGS. */
  gitlab?: GitlabTriggerSettings;
  /** drydock's Gitea/Forgejo login, label and handle; default DEFAULT_GITEA_SETTINGS. */
  gitea?: GiteaTriggerSettings;
  /** drydock's Bitbucket account and handle; default DEFAULT_BITBUCKET_SETTINGS. */
  bitbucket?: BitbucketTriggerSettings;
  /** A session was queued or reopened: enqueue it for a worker (errors are the wiring's to report). */
  wake(sessionId: string): void;
  /** A session whose delivery goes to a forge: publish it when it ends (see publish-delivery.ts). */
  watch(sessionId: string): void;
  /** A pull request's review session: post its review when it ends (publish-review.ts). Absent without one. */
  watchReview?(sessionId: string): void;
  /**
   * A check suite or run completed on `sha` (ci-watch.ts): looks at the checks now. Returns the session
   * it concerns, or null. Absent without a forge.
   */
  checkCommit?(repo: string, sha: string, pulls: readonly number[]): Promise<string | null>;
}

export const DEFAULT_GITHUB_SETTINGS: GithubTriggerSettings = {
  botLogin: 'drydock[bot]',
  label: 'drydock',
  handle: 'drydock',
};

export function sessionUrl(deps: Pick<TriggerDeps, 'publicUrl'>, sessionId: string): string {
  return `${deps.publicUrl.replace(/\/+$/, '')}/sessions/${encodeURIComponent(sessionId)}`;
}
