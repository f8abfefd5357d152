import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Web API call the fake Slack received: its method (`chat.postMessage`), token and arguments. */
export interface SlackCall {
  method: string;
  authorization: string | undefined;
  args: Record<string, unknown>;
}

export interface FakeSlackUser {
  id: string;
  name: string;
  realName: string;
  email?: string;
}

export interface FakeSlack {
  /** The Web API's base URL (WebClient's `slackApiUrl`). */
  url: string;
  calls: SlackCall[];
  /** Messages drydock posted, in order. */
  posts(): Array<{ channel: string; thread: string | undefined; text: string }>;
  users: Map<string, FakeSlackUser>;
  /** Holds every call of `method` unanswered until the returned function is called. */
  hold(method: string): () => void;
  close(): Promise<void>;
}

export const FAKE_BOT_USER = 'UDRYDOCK';
export const FAKE_BOT_ID = 'BDRYDOCK';

/**
 * A fake of the Slack Web API methods drydock calls (`auth.test`, `chat.postMessage`, `users.info`), on port
 * 0. It answers `invalid_auth` unless the bot token matches, records every call, and answers unknown methods
 * with `unknown_method` as Slack does.
 */
export async function startFakeSlack(options: { token: string }): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const users = new Map<string, FakeSlackUser>();
  const held = new Map<string, Promise<void>>();
  let ts = 1_700_000_000;

  function answer(call: SlackCall): Record<string, unknown> {
    if (call.authorization !== `Bearer ${options.token}`) return { ok: false, error: 'invalid_auth' };
    switch (call.method) {
      case 'auth.test':
        return { ok: true, user_id: FAKE_BOT_USER, bot_id: FAKE_BOT_ID, team_id: 'T1', user: 'drydock' };
      case 'chat.postMessage':
        if (typeof call.args.channel !== 'string' || typeof call.args.text !== 'string') {
          return { ok: false, error: 'invalid_arguments' };
        }
        return { ok: true, channel: call.args.channel, ts: `${++ts}.000100` };
      case 'users.info': {
        const user = users.get(String(call.args.user));
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: user.id,
            name: user.name,
            real_name: user.realName,
            profile: { real_name: user.realName, ...(user.email ? { email: user.email } : {}) },
          },
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const args: Record<string, unknown> = incoming.headers['content-type']?.includes('json')
        ? (JSON.parse(text || '{}') as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(text));
      const call: SlackCall = {
        method: (incoming.url ?? '/').split('?')[0]!.replace(/^\/api\//, ''),
        authorization: incoming.headers.authorization,
        args,
      };
      calls.push(call);
      void (held.get(call.method) ?? Promise.resolve()).then(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer(call)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return {
    url,
    calls,
    users,
    hold(method) {
      let release = () => {};
      held.set(
        method,
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      );
      return () => {
        held.delete(method);
        release();
      };
    },
    posts: () =>
      calls
        .filter((call) => call.method === 'chat.postMessage')
        .map((call) => ({
          channel: String(call.args.channel),
          thread: call.args.thread_ts === undefined ? undefined : String(call.args.thread_ts),
          text: String(call.args.text),
        })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Slack's request signature headers for a body: `v0=<hex HMAC of "v0:<ts>:<body>">`. */
export function slackHeaders(
  signingSecret: string,
  body: string,
  timestampS = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestampS}:${body}`).digest('hex');
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': String(timestampS),
    'x-slack-signature': `v0=${signature}`,
  };
}
