import { describe, expect, it } from 'vitest';
import { hmacSha256Hex, type SignatureProblem, type TimestampMode, verifySignature } from './signature.ts';

const SECRET = 'hook-secret';
const BODY = Buffer.from('{"n":1}');
const NOW_MS = 1_750_000_000_000;
const NOW_S = String(NOW_MS / 1000);
const bodySig = hmacSha256Hex(SECRET, BODY);
const timedSig = (ts: string) => hmacSha256Hex(SECRET, `${ts}.${BODY.toString()}`);

describe('verifySignature', () => {
  it.each<[string, TimestampMode, string | undefined, string | undefined, SignatureProblem]>([
    ['github: the body signed, no time', 'none', bodySig, undefined, null],
    ['github: a wrong signature', 'none', '0'.repeat(64), undefined, 'bad_signature'],
    ['github: no signature', 'none', undefined, undefined, 'missing_signature'],
    ['hmac: time and body signed', 'signed', timedSig(NOW_S), NOW_S, null],
    ['hmac: no timestamp', 'signed', timedSig(NOW_S), undefined, 'missing_timestamp'],
    ['hmac: another time than signed', 'signed', timedSig(NOW_S), String(NOW_MS / 1000 + 1), 'bad_signature'],
    ['hmac: signed, but an hour old', 'signed', timedSig('1749996400'), '1749996400', 'stale_timestamp'],
    ['sentry: the body signed, a fresh time beside it', 'unsigned', bodySig, NOW_S, null],
    [
      'sentry: no timestamp is refused, not waved through',
      'unsigned',
      bodySig,
      undefined,
      'missing_timestamp',
    ],
    ['sentry: a timestamp that is not seconds', 'unsigned', bodySig, 'yesterday', 'missing_timestamp'],
    ['sentry: a stale timestamp', 'unsigned', bodySig, String(NOW_MS / 1000 - 301), 'stale_timestamp'],
    [
      'sentry: a timestamp from the future',
      'unsigned',
      bodySig,
      String(NOW_MS / 1000 + 301),
      'stale_timestamp',
    ],
  ])('%s', (_name, timestampMode, signature, timestamp, problem) => {
    expect(
      verifySignature({ secret: SECRET, rawBody: BODY, signature, timestamp, timestampMode, nowMs: NOW_MS }),
    ).toBe(problem);
  });
});
