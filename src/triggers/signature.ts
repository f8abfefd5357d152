import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a signed request was refused; `null` when it verified. */
export type SignatureProblem =
  | 'missing_signature'
  | 'bad_signature'
  | 'missing_timestamp'
  | 'stale_timestamp'
  | null;

/** Lowercase hex HMAC-SHA256 of `body` with `secret`. */
export function hmacSha256Hex(secret: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Compares two strings in time independent of where they differ (length leaks, content does not). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Verifies `signature` (optionally `sha256=`-prefixed hex) as the HMAC-SHA256 of the raw body bytes. With
 * `timestamp`, the signed content is `<timestamp>.<body>` and a timestamp more than `toleranceMs` from
 * `nowMs` is stale (replay protection for senders that sign a time). Pure.
 */
export function verifySignature(input: {
  secret: string;
  rawBody: Uint8Array;
  signature: string | undefined;
  prefix?: string;
  /** Seconds since the epoch, when the scheme signs a time. */
  timestamp?: string | undefined;
  signsTimestamp?: boolean;
  nowMs?: number;
  toleranceMs?: number;
}): SignatureProblem {
  if (!input.signature) return 'missing_signature';
  const prefix = input.prefix ?? '';
  if (!input.signature.startsWith(prefix)) return 'bad_signature';
  let signed: Uint8Array = input.rawBody;
  if (input.signsTimestamp) {
    if (!input.timestamp || !/^\d+$/.test(input.timestamp)) return 'missing_timestamp';
    signed = Buffer.concat([Buffer.from(`${input.timestamp}.`), input.rawBody]);
  }
  const expected = prefix + hmacSha256Hex(input.secret, signed);
  if (!constantTimeEqual(input.signature.toLowerCase(), expected)) return 'bad_signature';
  if (input.timestamp !== undefined && input.nowMs !== undefined) {
    const ageMs = Math.abs(input.nowMs - Number(input.timestamp) * 1000);
    if (!Number.isFinite(ageMs) || ageMs > (input.toleranceMs ?? 5 * 60_000)) return 'stale_timestamp';
  }
  return null;
}
