import { constantTimeEqual, hmacSha256Hex, type SignatureProblem } from './signature.ts';

/** Slack refuses requests older than this too: replayed requests are stale. */
export const SLACK_TOLERANCE_MS = 5 * 60_000;

/**
 * Verifies Slack's request signature: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<raw body>">`
 * with the app's signing secret, and `X-Slack-Request-Timestamp` within 5 minutes of `nowMs`. Pure.
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  rawBody: Uint8Array;
  signature: string | undefined;
  timestamp: string | undefined;
  nowMs: number;
}): SignatureProblem {
  if (!input.signature) return 'missing_signature';
  if (!input.timestamp || !/^\d+$/.test(input.timestamp)) return 'missing_timestamp';
  const signed = Buffer.concat([Buffer.from(`v0:${input.timestamp}:`), input.rawBody]);
  const expected = `v0=${hmacSha256Hex(input.signingSecret, signed)}`;
  if (!constantTimeEqual(input.signature.toLowerCase(), expected)) return 'bad_signature';
  const ageMs = Math.abs(input.nowMs - Number(input.timestamp) * 1000);
  if (!Number.isFinite(ageMs) || ageMs > SLACK_TOLERANCE_MS) return 'stale_timestamp';
  return null;
}
