import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideSlackEvent, endingNote, parseSlackRequest, progressNote } from './slack-events.ts';
import { verifySlackSignature } from './slack-signature.ts';

const BOT = 'UBOT';
const message = (fields: Record<string, unknown>) => ({
  type: 'message',
  channel: 'C1',
  channel_type: 'channel',
  user: 'U1',
  text: 'hello',
  ts: '1.1',
  ...fields,
});

describe('decideSlackEvent', () => {
  it.each([
    ['a mention', { type: 'app_mention', text: `<@${BOT}> fix it` }, 'request'],
    ['a mention in a thread', { type: 'app_mention', text: `<@${BOT}> more`, thread_ts: '0.5' }, 'request'],
    ['a direct message', { channel: 'D1', channel_type: 'im', text: 'fix it' }, 'request'],
    ['a reply in a thread', { thread_ts: '0.5', text: 'also this' }, 'reply'],
    ['a channel message that mentions drydock', { text: `<@${BOT}> x` }, 'ignore'],
    ['a channel message not in a thread', { text: 'lunch?' }, 'ignore'],
    ['a bot message', { bot_id: 'B2', thread_ts: '0.5' }, 'ignore'],
    ['a bot_message subtype', { subtype: 'bot_message', thread_ts: '0.5' }, 'ignore'],
    ["drydock's own message", { user: BOT, thread_ts: '0.5' }, 'ignore'],
    ['an edit', { subtype: 'message_changed', thread_ts: '0.5' }, 'ignore'],
    ['a reaction', { type: 'reaction_added' }, 'ignore'],
  ])('%s → %s', (_, fields, action) => {
    expect(decideSlackEvent(message(fields), BOT).action).toBe(action);
  });

  it('answers in the thread the mention is in, or starts one on the message, without the mention', () => {
    expect(decideSlackEvent(message({ type: 'app_mention', text: `<@${BOT}> fix it` }), BOT)).toEqual({
      action: 'request',
      channel: 'C1',
      thread: '1.1',
      user: 'U1',
      text: 'fix it',
    });
    const inThread = decideSlackEvent(message({ type: 'app_mention', thread_ts: '0.5' }), BOT);
    expect(inThread).toMatchObject({ thread: '0.5' });
    expect(decideSlackEvent({ type: 'message' }, BOT)).toEqual({
      action: 'ignore',
      reason: 'not a message event',
    });
  });
});

describe('parseSlackRequest', () => {
  it.each([
    ['acme/app fix the failing test', 'acme/app', 'fix the failing test'],
    ['acme/app: fix it', 'acme/app', 'fix it'],
    ['fix the failing test repo:acme/app', 'acme/app', 'fix the failing test'],
    ['repo:acme/web.js tidy up', 'acme/web.js', 'tidy up'],
    ['fix the failing test', null, 'fix the failing test'],
    ['src/stats.js returns NaN for empty lists', null, 'src/stats.js returns NaN for empty lists'],
    ['acme/app', null, 'acme/app'],
    [
      'make a &lt; b &amp;&amp; c work, see <https://x.example/a|x.example>',
      null,
      'make a < b && c work, see https://x.example/a',
    ],
  ])('%s', (text, repo, task) => {
    expect(parseSlackRequest(text)).toEqual({ repo, task });
  });
});

describe('verifySlackSignature', () => {
  const secret = 'slack-signing-secret';
  const body = Buffer.from('{"type":"event_callback"}');
  const nowMs = 1_700_000_000_000;
  const sign = (ts: number, content = body) =>
    `v0=${createHmac('sha256', secret).update(`v0:${ts}:${content}`).digest('hex')}`;
  const verify = (signature: string | undefined, ts: number | undefined) =>
    verifySlackSignature({
      signingSecret: secret,
      rawBody: body,
      signature,
      timestamp: ts === undefined ? undefined : String(ts),
      nowMs,
    });

  it('accepts a fresh signature and refuses missing, tampered and stale ones', () => {
    const ts = nowMs / 1000;
    expect(verify(sign(ts), ts)).toBeNull();
    expect(verify(undefined, ts)).toBe('missing_signature');
    expect(verify(sign(ts), undefined)).toBe('missing_timestamp');
    expect(verify(sign(ts, Buffer.from('{"type":"other"}')), ts)).toBe('bad_signature');
    expect(verify(sign(ts + 1), ts)).toBe('bad_signature');
    expect(verify(sign(ts - 301), ts - 301)).toBe('stale_timestamp');
    expect(verify(sign(ts - 299), ts - 299)).toBeNull();
  });
});

describe('progress and ending notes', () => {
  it('posts the start of work and of delivery, not every loop between working and verifying', () => {
    expect(progressNote('setup', 'working')).toBe('drydock is working on it.');
    expect(progressNote('verifying', 'working')).toBeNull();
    expect(progressNote('working', 'verifying')).toBeNull();
    expect(progressNote('reviewing', 'delivering')).toContain('delivering');
  });

  it('reports a local delivery with its branch, and leaves a forge delivery to its pull request', () => {
    const session = {
      state: 'delivered' as const,
      reason: null,
      branch: 'drydock/x-1',
      headCommit: 'a'.repeat(40),
    };
    expect(endingNote(session, 'http://u', false)).toBe(
      'drydock delivered branch `drydock/x-1` (aaaaaaaaaaaa): http://u',
    );
    expect(endingNote(session, 'http://u', true)).toBeNull();
    expect(endingNote({ ...session, state: 'bowed_out', reason: 'tests still fail' }, 'http://u', true)).toBe(
      'drydock bowed out: tests still fail\nhttp://u',
    );
    expect(endingNote({ ...session, state: 'working' }, 'http://u', false)).toBeNull();
  });
});
