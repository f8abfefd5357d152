import type { Hono } from 'hono';
import type { EventBus } from '../core/ports/event-bus.ts';
import type { Forge } from '../core/ports/forge.ts';
import type { ApiToken } from '../core/ports/store.ts';
import type { SecretBox } from '../environments/secret-box.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import type { BitbucketTriggerSettings } from '../triggers/bitbucket-events.ts';
import type { CiWatcher, WaitClock } from '../triggers/ci-watch.ts';
import type { GiteaTriggerSettings } from '../triggers/gitea-events.ts';
import type { GithubTriggerSettings } from '../triggers/github-events.ts';
import type { GitlabTriggerSettings } from '../triggers/gitlab-events.ts';
import type { Publisher } from '../triggers/publish-delivery.ts';
import type { ReviewPublisher } from '../triggers/publish-review.ts';
import type { SlackClient } from '../triggers/slack-client.ts';
import type { SlackNotifier } from '../triggers/slack-notifier.ts';
import type { TrackerNotifier } from '../triggers/tracker-notifier.ts';
import type { Logger } from './logger.ts';
import type { SessionControl } from './session-control.ts';
import type { StorePoller } from './store-poller.ts';
import type { JiraConnection, LinearConnection, TrackerConnections } from './tracker-connections.ts';

/** What the HTTP app is wired with. */
export interface ServerDeps {
  sessions: SessionDeps;
  bus: EventBus;
  /** Gets sessions run (the queue) and cancelled, wherever their workers are. */
  control: SessionControl;
  /** Feeds the bus with events other processes write; created from store and bus when absent. */
  poller?: StorePoller;
  /** The model of a session whose request names none. */
  defaultModel: string;
  /** The smart friend of a session whose request names none; absent: such sessions have no friend. */
  defaultFriendModel?: string;
  /** Whether `script:` models (which read a file on the server) are accepted. */
  allowScriptModels: boolean;
  version: string;
  /** Between SSE keep-alive comments; default 15 s. */
  keepAliveMs?: number;
  /** How often the store poller reads a followed session's log; default 1 s. */
  eventPollMs?: number;
  /** A built web UI (web/dist) to serve at `/`, or none. */
  webRoot?: string | null;
  /** Webhooks, schedules and the forge (docs/triggers.md); without it `/webhooks/*` is not served. */
  triggers?: ServerTriggers;
  /** Diagnostics (logger.ts); default defaultLogger(): stderr, at DRYDOCK_LOG_LEVEL. */
  log?: Logger;
  /** Routes of parts above the server (the MCP endpoint, src/mcp/mcp-route.ts), mounted before the web UI. */
  mounts?: readonly ServerMount[];
}

/** A part above the server serving HTTP beside the API (`drydock up`'s `/mcp`), wired with the app's deps. */
export interface ServerMount {
  path: string;
  create(deps: ServerDeps & { poller: StorePoller; log: Logger }): Hono<AppEnv>;
  /** Ends what the routes keep open between requests (MCP sessions and their follows); the server's close calls it. */
  close?(): Promise<void>;
}

/** What the trigger routes are wired with. */
export interface ServerTriggers {
  /**
   * The forges (a registry: `owner/name` on GitHub, `gitlab:group/project` on GitLab, `gitea:owner/name`,
   * `bitbucket:workspace/repo`), or none.
   */
  forge: Forge | null;
  /** DRYDOCK_GITHUB_WEBHOOK_SECRET. */
  githubWebhookSecret: string | null;
  /** DRYDOCK_GITLAB_WEBHOOK_SECRET: GitLab webhooks' secret token; without it `/webhooks/gitlab` is 503. */
  gitlabWebhookSecret?: string | null;
  /** drydock's username on GitLab, its label and handle (DRYDOCK_GITLAB_LOGIN). */
  gitlab?: GitlabTriggerSettings;
  /** DRYDOCK_GITEA_WEBHOOK_SECRET: Gitea/Forgejo webhooks' HMAC secret; without it `/webhooks/gitea` is 503. */
  giteaWebhookSecret?: string | null;
  /** drydock's login on the Gitea or Forgejo server, its label and handle (DRYDOCK_GITEA_LOGIN). */
  gitea?: GiteaTriggerSettings;
  /** DRYDOCK_BITBUCKET_WEBHOOK_SECRET: Bitbucket Cloud webhooks' HMAC secret; without it `/webhooks/bitbucket` is 503. */
  bitbucketWebhookSecret?: string | null;
  /** drydock's own Bitbucket account (DRYDOCK_BITBUCKET_LOGIN) and handle. */
  bitbucket?: BitbucketTriggerSettings;
  /** The server's public URL, for links in comments. */
  publicUrl: string;
  /** Encrypts hook secrets at rest. */
  secrets: SecretBox;
  github?: GithubTriggerSettings;
  /** Publishes forge sessions when they end; created from the forge and the bus when absent. */
  publisher?: Publisher;
  /** Posts pull request reviews when their sessions end; created when the forge reviews pull requests. */
  reviewPublisher?: ReviewPublisher;
  /** CI follow-up (docs/triggers.md): the clock it polls with, its cap per session, its delays. */
  ci?: { clock?: WaitClock; maxFollowUps?: number; delaysMs?: readonly number[]; disabled?: boolean };
  /** Watches pushed commits' check runs; created with the publisher when absent. */
  ciWatcher?: CiWatcher;
  /** Slack (DRYDOCK_SLACK_SIGNING_SECRET and DRYDOCK_SLACK_BOT_TOKEN); without it `/webhooks/slack` is 503. */
  slack?: ServerSlack;
  /** Linear and Jira Cloud from the environment (docs/triggers.md); a kind in neither these nor the store: its `/webhooks/<tracker>` is 503. */
  trackers?: ServerTrackers;
  /** These over the connections stored through the API; created from them when absent (trackerConnectionsOf). */
  trackerConnections?: TrackerConnections;
}

/** Issue trackers: Linear's and Jira's webhooks, and the notifier that reports back on their issues. */
export interface ServerTrackers {
  /**
   * DRYDOCK_LINEAR_API_KEY and DRYDOCK_LINEAR_WEBHOOK_SECRET; `handle` is the `@name` comments mention;
   * `settings` the plain ones shown in the API (apiUrl). Wins over a connection stored through the API.
   */
  linear?: LinearConnection;
  /**
   * DRYDOCK_JIRA_URL, DRYDOCK_JIRA_EMAIL, DRYDOCK_JIRA_API_TOKEN, DRYDOCK_JIRA_WEBHOOK_SECRET; `label` asks for
   * work; `settings` the plain ones shown in the API (url, email). Wins over a connection stored through the API.
   */
  jira?: JiraConnection;
  /** Comments on and moves tracker issues as their sessions advance; created with the triggers' deps when absent. */
  notifier?: TrackerNotifier;
  /** How long a delivery may act before it is answered `pending` (Linear allows 5 s); default 4 s. */
  answerWithinMs?: number;
}

/** Slack's Events API at `/webhooks/slack` (docs/triggers.md). */
export interface ServerSlack {
  signingSecret: string;
  /** The Web API client with the bot token. */
  client: SlackClient;
  /** Posts Slack sessions' progress in their threads; created from the client and the bus when absent. */
  notifier?: SlackNotifier;
  /** How long a Slack request may act before it is answered `pending` (Slack allows 3 s); default 2.5 s. */
  answerWithinMs?: number;
}

/** Hono's typed context: the authenticated token. */
export interface AppEnv {
  Variables: { token: ApiToken };
}
