import { z } from 'zod';
import type { SessionState } from '../core/session-state.ts';

/** The fields of an Events API `app_mention` or `message` event drydock reads. */
export const SlackMessageEvent = z.object({
  type: z.string(),
  subtype: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  text: z.string().default(''),
  channel: z.string(),
  channel_type: z.string().optional(),
  ts: z.string(),
  thread_ts: z.string().optional(),
});
export type SlackMessageEvent = z.infer<typeof SlackMessageEvent>;

/**
 * What a Slack event asks of drydock. Pure:
 * - `request`: an `@drydock` mention in a channel, or a direct message: a follow-up when its thread is a
 *   drydock thread already, else a new session answered in that thread;
 * - `reply`: a plain reply in a channel thread: a follow-up when the thread is a drydock thread;
 * - `ignore`, with the reason.
 */
export type SlackDecision =
  | { action: 'ignore'; reason: string }
  | { action: 'request' | 'reply'; channel: string; thread: string; user: string; text: string };

/**
 * Decides what an `app_mention` or `message` event asks for. Bots (drydock included) are never obeyed;
 * edits, joins and other subtypes are ignored; a channel message that mentions drydock is left to its
 * `app_mention` event (Slack sends both), so one message never acts twice.
 */
export function decideSlackEvent(raw: unknown, botUserId: string | null): SlackDecision {
  const parsed = SlackMessageEvent.safeParse(raw);
  if (!parsed.success) return { action: 'ignore', reason: 'not a message event' };
  const event = parsed.data;
  if (event.type !== 'app_mention' && event.type !== 'message') {
    return { action: 'ignore', reason: `${event.type} events are not for drydock` };
  }
  if (event.bot_id || event.subtype === 'bot_message') return { action: 'ignore', reason: 'a bot wrote it' };
  if (!event.user) return { action: 'ignore', reason: 'no author' };
  if (botUserId !== null && event.user === botUserId) {
    return { action: 'ignore', reason: "drydock's own message" };
  }
  if (event.subtype) return { action: 'ignore', reason: `a ${event.subtype} message` };
  const mention = botUserId === null ? null : `<@${botUserId}>`;
  const mentioned = mention !== null && event.text.includes(mention);
  const text = (mention === null ? event.text : event.text.split(mention).join(' ')).trim();
  const base = { channel: event.channel, thread: event.thread_ts ?? event.ts, user: event.user, text };
  if (event.type === 'app_mention' || event.channel_type === 'im') return { action: 'request', ...base };
  if (mentioned) return { action: 'ignore', reason: 'handled as its app_mention event' };
  if (!event.thread_ts) return { action: 'ignore', reason: 'not addressed to drydock' };
  return { action: 'reply', ...base };
}

/** Slack's escaping of `&`, `<` and `>`, and its `<url|label>` links, undone. Pure. */
export function slackToPlainText(text: string): string {
  return text
    .replace(/<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

const REPO_TOKEN = /(?:^|\s)repo:(\S+)/;
const OWNER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/;
/** A leading `src/app.ts` is a file the task is about, not a repository. */
const FILE_LIKE =
  /\.(?:[cm]?[jt]sx?|py|go|rs|rb|java|kt|swift|c|h|cc|cpp|cs|php|md|json|ya?ml|toml|lock|css|scss|html|sh|txt|sql)$/i;

/**
 * The repository a request names and the task without it. Pure. `repo:<owner>/<name>` anywhere, or a
 * leading `<owner>/<name>` word (not one that looks like a file path), names it; otherwise `repo` is null
 * and the channel's default applies.
 */
export function parseSlackRequest(text: string): { repo: string | null; task: string } {
  const plain = slackToPlainText(text);
  const token = REPO_TOKEN.exec(plain);
  if (token) {
    return { repo: token[1]!, task: plain.replace(REPO_TOKEN, ' ').replace(/\s+/g, ' ').trim() };
  }
  const [first = '', ...rest] = plain.split(/\s+/);
  const candidate = first.replace(/[:,]$/, '');
  if (rest.length > 0 && OWNER_NAME.test(candidate) && !FILE_LIKE.test(candidate)) {
    return { repo: candidate, task: plain.slice(first.length).trim() };
  }
  return { repo: null, task: plain };
}

/** The link key of a Slack thread: `slack:<channel>/<thread ts>`. */
export const slackThreadKey = (channel: string, thread: string): string => `slack:${channel}/${thread}`;

/** What a Slack thread's link keeps: where to post, who asked, and the last ending posted. */
export const SlackLinkData = z.object({
  slack: z.literal(true),
  channel: z.string(),
  thread: z.string(),
  requester: z.string(),
  /** `<state>@<updatedAt>` of the last ending posted in the thread. */
  reported: z.string().optional(),
});
export type SlackLinkData = z.infer<typeof SlackLinkData>;

/** A progress note for a state change worth a line in the thread, or null. Pure. */
export function progressNote(from: SessionState, to: SessionState): string | null {
  if (to === 'working' && from !== 'verifying' && from !== 'reviewing') return 'drydock is working on it.';
  if (to === 'delivering') return 'The checks and the review passed; drydock is delivering the change.';
  return null;
}

/**
 * The line that reports how a session ended, or null when there is none to post yet: a delivery that goes
 * to a forge is reported once its pull request is open (the publisher's turn). Pure.
 */
export function endingNote(
  session: {
    state: SessionState;
    reason: string | null;
    branch: string | null;
    headCommit: string | null;
  },
  url: string,
  goesToForge: boolean,
): string | null {
  switch (session.state) {
    case 'delivered':
      if (goesToForge) return null;
      return `drydock delivered branch \`${session.branch}\` (${session.headCommit?.slice(0, 12)}): ${url}`;
    case 'bowed_out':
      return `drydock bowed out: ${session.reason ?? 'see the report'}\n${url}`;
    case 'failed':
      return `drydock failed: ${session.reason ?? 'see the session'}\n${url}`;
    case 'cancelled':
      return `The session was cancelled: ${url}`;
    default:
      return null;
  }
}
