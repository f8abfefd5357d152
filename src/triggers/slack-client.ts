import { webApi } from '@slack/bolt';

/** The Slack Web API calls drydock makes, with the bot token. */
export interface SlackClient {
  /** The bot's own user and bot ids (`auth.test`), read once and kept. */
  identity(): Promise<{ userId: string; botId: string | null }>;
  /** Posts `text` in a thread. */
  post(channel: string, thread: string, text: string): Promise<void>;
  /** A user's name and email (`users.info`; the email needs the `users:read.email` scope), or null. */
  user(userId: string): Promise<{ name: string; email: string | null } | null>;
  /** The underlying client, for bolt's listeners. */
  readonly web: webApi.WebClient;
}

export interface SlackClientOptions {
  /** DRYDOCK_SLACK_BOT_TOKEN (`xoxb-…`). */
  botToken: string;
  /** The Web API's base URL (tests: a local fake); default `https://slack.com/api/`. */
  apiUrl?: string;
}

/** A Slack Web API client (`@slack/web-api`'s WebClient, as bundled with bolt) with a few retries. */
export function createSlackClient(options: SlackClientOptions): SlackClient {
  const web = new webApi.WebClient(options.botToken, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl.replace(/\/?$/, '/') } : {}),
    retryConfig: { retries: 2, minTimeout: 200, maxTimeout: 2000 },
    logLevel: webApi.LogLevel.ERROR,
  });
  let identity: Promise<{ userId: string; botId: string | null }> | null = null;
  return {
    web,
    identity() {
      identity ??= web.auth.test().then((answer) => {
        if (!answer.user_id) throw new Error('Slack auth.test returned no user_id for the bot token.');
        return { userId: answer.user_id, botId: answer.bot_id ?? null };
      });
      // A failed read is tried again on the next event instead of failing every one after it.
      identity.catch(() => {
        identity = null;
      });
      return identity;
    },
    async post(channel, thread, text) {
      await web.chat.postMessage({ channel, thread_ts: thread, text, unfurl_links: false });
    },
    async user(userId) {
      const answer = await web.users.info({ user: userId });
      const user = answer.user;
      if (!user) return null;
      const name = user.profile?.real_name || user.real_name || user.name || userId;
      return { name, email: user.profile?.email ?? null };
    },
  };
}
