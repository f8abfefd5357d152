import { FAKE_BOT_USER } from '../fakes/fake-slack.ts';

/** The Slack app's signing secret and bot token the tests configure and sign with. */
export const SIGNING_SECRET = 'slack-signing-secret-for-tests';
export const BOT_TOKEN = 'xoxb-fake-bot-token';
export const CHANNEL = 'C0DRYDOCK';

let eventCount = 0;
/** An Events API envelope around one event, as Slack sends it. */
export function envelope(event: Record<string, unknown>, eventId = `Ev${++eventCount}`) {
  return {
    token: 'unused-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: eventId,
    event_time: 1_700_000_000,
    authorizations: [{ team_id: 'T1', user_id: FAKE_BOT_USER, is_bot: true, enterprise_id: null }],
    event: { event_ts: event.ts, ...event },
  };
}

/** An `app_mention` of the bot by Alice in the test channel. */
export const mention = (text: string, ts: string, extra: Record<string, unknown> = {}) => ({
  type: 'app_mention',
  user: 'U0ALICE',
  text: `<@${FAKE_BOT_USER}> ${text}`,
  ts,
  channel: CHANNEL,
  ...extra,
});
/** Bob's reply in a thread of the test channel. */
export const threadReply = (
  text: string,
  thread: string,
  ts: string,
  extra: Record<string, unknown> = {},
) => ({
  type: 'message',
  channel_type: 'channel',
  user: 'U0BOB',
  text,
  ts,
  thread_ts: thread,
  channel: CHANNEL,
  ...extra,
});
