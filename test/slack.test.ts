import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../src/environments/secret-box.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createSlackClient } from '../src/triggers/slack-client.ts';
import { FAKE_BOT_USER, type FakeSlack, slackHeaders, startFakeSlack } from './fakes/fake-slack.ts';
import { DEMO_WITH_FOLLOW_UP } from './support/follow-up-script.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import {
  BOT_TOKEN,
  CHANNEL,
  envelope,
  mention,
  SIGNING_SECRET,
  threadReply,
} from './support/slack-events.ts';

describe('Slack', { timeout: 120_000 }, () => {
  let h: Harness;
  let slack: FakeSlack;
  let server: RunningServer;
  let triggers: ServerTriggers;

  beforeEach(async () => {
    h = await createHarness();
    // A follow-up turn after the demo's delivery: the scripted coder replays by position.
    h.scripts.demo = DEMO_WITH_FOLLOW_UP;
    slack = await startFakeSlack({ token: BOT_TOKEN });
    triggers = {
      forge: null,
      githubWebhookSecret: null,
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 3)),
      slack: {
        signingSecret: SIGNING_SECRET,
        client: createSlackClient({ botToken: BOT_TOKEN, apiUrl: slack.url }),
        // The tests read each event's outcome from its answer: never answer `pending` early here.
        answerWithinMs: 60_000,
      },
    };
    server = await startTestServer(h, { concurrency: 1, triggers });
    await h.register();
  });
  afterEach(async () => {
    await server.close(10_000);
    await slack.close();
    await h.close();
  });

  const send = async (body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    const response = await fetch(`${server.url}/webhooks/slack`, {
      method: 'POST',
      headers: { ...slackHeaders(SIGNING_SECRET, text), ...headers },
      body: text,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${h.tokens.member}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const texts = () => slack.posts().map((post) => post.text);
  async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      if (await done()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}; Slack posts so far: ${JSON.stringify(texts())}`);
  }

  it('a mention starts a session on the channel default, posts progress and the result in the thread; a reply is a follow-up turn', async () => {
    slack.users.set('U0ALICE', {
      id: 'U0ALICE',
      name: 'alice',
      realName: 'Alice Example',
      email: 'alice@example.com',
    });
    const created = await api('POST', '/api/slack/channels', { channel: CHANNEL, repo: h.repo });
    expect(created.status).toBe(201);

    const thread = '1700000001.000100';
    const first = await send(envelope(mention('fix the failing test', thread)));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ outcome: 'started', duplicate: false });
    const sessionId = first.body.sessionId as string;
    const session = (await h.store.getSession(sessionId))!;
    expect(session.task).toBe('fix the failing test');
    expect(session.repo).toBe(h.repo);

    await until(() => texts().some((text) => text.startsWith('drydock delivered')), 'the delivery post');
    const delivered = (await h.store.getSession(sessionId))!;
    expect(delivered.state).toBe('delivered');
    expect(slack.posts().every((post) => post.channel === CHANNEL && post.thread === thread)).toBe(true);
    expect(texts()).toEqual([
      `drydock is on it: https://drydock.example/sessions/${sessionId}`,
      'drydock is working on it.',
      'The checks and the review passed; drydock is delivering the change.',
      `drydock delivered branch \`${delivered.branch}\` (${delivered.headCommit!.slice(0, 12)}): https://drydock.example/sessions/${sessionId}`,
    ]);
    expect(slack.calls.every((call) => call.authorization === `Bearer ${BOT_TOKEN}`)).toBe(true);
    // The person who asked is the commit's co-author, not the repository's git user.
    const message = execFileSync('git', ['log', '-1', '--format=%B', delivered.headCommit!], {
      cwd: h.repo,
      encoding: 'utf8',
    });
    expect(message).toContain('Co-authored-by: Alice Example <alice@example.com>');

    // A reply in the thread: a follow-up turn on the same session and branch, its result in the thread.
    const reply = await send(
      envelope(threadReply('say in the comment that every element counts', thread, '1700000050.000200')),
    );
    expect(reply.body).toMatchObject({ outcome: 'follow_up', sessionId });
    const messages = (await h.store.listEvents(sessionId)).flatMap((event) =>
      event.data.type === 'message.received' ? [event.data.text] : [],
    );
    expect(messages).toEqual(['say in the comment that every element counts\n\n(from U0BOB on Slack)']);
    // Attributed to the Slack user, on the message and in the audit log.
    const received = (await h.store.listEvents(sessionId)).find(
      (event) => event.data.type === 'message.received',
    );
    expect(received?.data).toMatchObject({ by: 'slack:U0BOB', byName: 'U0BOB' });
    const accepted = await h.store.listAudit({ action: 'trigger.accepted', actor: 'slack:U0BOB' });
    expect(accepted.map((entry) => entry.details.result)).toContain('follow_up');
    await until(
      () => texts().filter((text) => text.startsWith('drydock delivered')).length === 2,
      'the follow-up delivery post',
    );
    const after = (await h.store.getSession(sessionId))!;
    expect(after.branch).toBe(delivered.branch);
    expect(after.headCommit).not.toBe(delivered.headCommit);
    expect(texts()).toContain('Got it: drydock takes this as a follow-up.');
    expect(texts().at(-1)).toContain(after.headCommit!.slice(0, 12));
    expect(await h.store.listSessions()).toHaveLength(1);
  });

  it('refuses tampered and stale signatures, answers url_verification, and acts once on a retried event', async () => {
    await api('POST', '/api/slack/channels', { channel: '*', repo: h.repo });
    const event = envelope(mention('fix the failing test', '1700000002.000100'));
    const text = JSON.stringify(event);
    const tampered = await fetch(`${server.url}/webhooks/slack`, {
      method: 'POST',
      headers: slackHeaders(SIGNING_SECRET, text.replace('fix', 'break')),
      body: text,
    });
    expect(tampered.status).toBe(401);
    const wrongSecret = await send(event, slackHeaders('another-secret', text));
    expect(wrongSecret.status).toBe(401);
    const stale = await send(event, slackHeaders(SIGNING_SECRET, text, Math.floor(Date.now() / 1000) - 600));
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error: { code: 'stale_timestamp' } });
    expect(await h.store.listSessions()).toEqual([]);
    expect(slack.calls).toEqual([]);

    const challenge = await send({ type: 'url_verification', token: 't', challenge: 'abc123' });
    expect(challenge).toEqual({ status: 200, body: { challenge: 'abc123' } });

    const first = await send(event);
    expect(first.body).toMatchObject({ outcome: 'started', duplicate: false });
    const retry = await send(event, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({
      outcome: 'started',
      sessionId: first.body.sessionId,
      duplicate: true,
    });
    expect(await h.store.listSessions()).toHaveLength(1);
    expect(texts().filter((post) => post.startsWith('drydock is on it'))).toHaveLength(1);
  });

  it('a captured signed request replayed with changed unsigned headers acts once', async () => {
    await api('POST', '/api/slack/channels', { channel: '*', repo: h.repo });
    const text = JSON.stringify(envelope(mention('fix the failing test', '1700000009.000100')));
    const captured = slackHeaders(SIGNING_SECRET, text);
    const replay = (headers: Record<string, string>) =>
      fetch(`${server.url}/webhooks/slack`, {
        method: 'POST',
        headers: { ...captured, ...headers },
        body: text,
      });
    const first = (await (await replay({})).json()) as { sessionId: string; outcome: string };
    expect(first.outcome).toBe('started');
    // Slack signs `v0:<timestamp>:<body>`, and the event id is in the body: nothing unsigned makes it new.
    const replays: Record<string, string>[] = [
      { 'x-slack-retry-num': '7', 'x-slack-retry-reason': 'http_error' },
      { 'user-agent': 'curl/8', 'idempotency-key': 'new' },
    ];
    for (const headers of replays) {
      const answer = await replay(headers);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ sessionId: first.sessionId, duplicate: true });
    }
    expect(await h.store.listSessions()).toHaveLength(1);
  });

  it('ignores bots, itself, human chatter and mentions it cannot place, and says why in the thread', async () => {
    const thread = '1700000003.000100';
    const noRepo = await send(envelope(mention('fix the failing test', thread)));
    expect(noRepo.body).toMatchObject({ outcome: 'ignored: no repository', sessionId: null });
    expect(texts().at(-1)).toContain('Which repository?');
    const localPath = await send(envelope(mention(`repo:${h.repo} fix it`, '1700000003.000200')));
    expect(localPath.body).toMatchObject({ outcome: 'ignored: not an owner/name repository' });
    // A repository nobody registered: a reply saying so, and no session.
    const unregistered = await send(envelope(mention('acme/other fix it', '1700000003.000300')));
    expect(unregistered.body).toMatchObject({
      outcome: expect.stringMatching(/^failed: .*not registered/),
      sessionId: null,
    });
    expect(texts().at(-1)).toMatch(/^drydock could not start: This repository is not registered/);
    expect(await h.store.listSessions()).toEqual([]);

    await api('POST', '/api/slack/channels', { channel: CHANNEL, repo: h.repo });
    const started = await send(envelope(mention('fix the failing test', thread)));
    expect(started.body).toMatchObject({ outcome: 'started' });
    const sessionId = started.body.sessionId as string;
    const posted = slack.posts().length;

    const cases: Array<[Record<string, unknown>, string]> = [
      [threadReply('beep', thread, '1700000004.1', { bot_id: 'B0OTHER' }), 'ignored: a bot wrote it'],
      [
        threadReply('beep', thread, '1700000004.2', { subtype: 'bot_message', user: undefined }),
        'ignored: a bot wrote it',
      ],
      [
        threadReply('my own post', thread, '1700000004.3', { user: FAKE_BOT_USER }),
        "ignored: drydock's own message",
      ],
      [
        threadReply('edited', thread, '1700000004.4', { subtype: 'message_changed' }),
        'ignored: a message_changed message',
      ],
      [threadReply('lunch?', '1700000009.000100', '1700000004.5'), 'ignored: not a drydock thread'],
      [
        {
          type: 'message',
          channel_type: 'channel',
          user: 'U0BOB',
          text: 'lunch?',
          ts: '1700000004.6',
          channel: CHANNEL,
        },
        'ignored: not addressed to drydock',
      ],
      [
        threadReply(`<@${FAKE_BOT_USER}> also this`, thread, '1700000004.7'),
        'ignored: handled as its app_mention event',
      ],
    ];
    for (const [event, outcome] of cases) {
      const answer = await send(envelope(event));
      expect(answer.body.outcome, JSON.stringify(event)).toBe(outcome);
    }
    expect(slack.posts()).toHaveLength(posted);
    const events = await h.store.listEvents(sessionId);
    expect(events.filter((event) => event.data.type === 'message.received')).toEqual([]);
    expect(await h.store.listSessions()).toHaveLength(1);
  });

  it('answers `pending` when acting takes past its deadline, and finishes the work after the answer', async () => {
    await api('POST', '/api/slack/channels', { channel: CHANNEL, repo: h.repo });
    await server.close(10_000);
    server = await startTestServer(h, {
      triggers: { ...triggers, slack: { ...triggers.slack!, answerWithinMs: 0 } },
    });
    // users.info (asked before the session starts) hangs until released: the deadline passes first.
    const release = slack.hold('users.info');
    const event = envelope(mention('fix the failing test', '1700000400.000100'), 'EvSlow');
    const first = await send(event);
    expect(first.body).toMatchObject({ outcome: 'pending', sessionId: null, duplicate: false });
    expect(await h.store.listSessions()).toEqual([]);
    // Slack's retry meanwhile: a duplicate, still pending, and nothing more is started.
    expect((await send(event, { 'x-slack-retry-num': '1' })).body).toMatchObject({
      outcome: 'pending',
      duplicate: true,
    });
    release();
    await until(async () => (await h.store.listSessions()).length === 1, 'the session after the answer');
    await until(
      async () => (await h.store.claimDelivery('slack', 'EvSlow')).delivery.outcome === 'started',
      'the delivery finished after the answer',
    );
    expect(texts().filter((text) => text.startsWith('drydock is on it'))).toHaveLength(1);
    const [session] = await h.store.listSessions();
    expect((await send(event, { 'x-slack-retry-num': '2' })).body).toMatchObject({
      outcome: 'started',
      sessionId: session!.id,
      duplicate: true,
    });
  });

  it('answers 503 when Slack is not configured, or refuses the bot token', async () => {
    await server.close(10_000);
    server = await startTestServer(h, { triggers: { ...triggers, slack: undefined } as ServerTriggers });
    const answer = await send(envelope(mention('x', '1.1')));
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: { code: 'slack_disabled' } });

    // A bot token Slack refuses: 503 with what to check, and the event is not claimed, so Slack's retry counts.
    await server.close(10_000);
    const wrongToken = createSlackClient({ botToken: 'xoxb-revoked', apiUrl: slack.url });
    server = await startTestServer(h, {
      triggers: { ...triggers, slack: { signingSecret: SIGNING_SECRET, client: wrongToken } },
    });
    const refused = await send(envelope(mention('x', '1.2'), 'EvRefused'));
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: 'slack_unavailable' } });
    expect(String((refused.body.error as { message: string }).message)).toContain('invalid_auth');
    expect((await h.store.claimDelivery('slack', 'EvRefused')).claimed).toBe(true);
  });
});
