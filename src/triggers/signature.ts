import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a signed request was refused; `null` when it verified. */
export type SignatureProblem =
  | 'missing_signature'
  | 'bad_signature'
  | 'missing_timestamp'
  | 'stale_timestamp'
  | null;

/** How far a delivery's timestamp may be from now, either way. */
export const TIMESTAMP_TOLERANCE_MS = 5 * 60_000;

/**
 * How a scheme sends the time of a delivery: `signed` signs `<timestamp>.<body>` (drydock's hmac),
 * `unsigned` sends it beside a signature of the body only (Sentry: it still must be there and fresh,
 * but a replay can change it, so the delivery's identity must not depend on it), `none` has no time
 * (GitHub).
 */
export type TimestampMode = 'signed' | 'unsigned' | 'none';

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

/** What a scheme signs: the raw body, or `<timestamp>.<raw body>` when it signs its time. */
export function signedContent(
  rawBody: Uint8Array,
  timestamp: string | undefined,
  mode: TimestampMode,
): Uint8Array {
  return mode === 'signed' ? Buffer.concat([Buffer.from(`${timestamp}.`), rawBody]) : rawBody;
}

/**
 * Verifies `signature` (optionally `sha256=`-prefixed hex) as the HMAC-SHA256 of what the scheme signs
 * (`signedContent`). A scheme with a time (`timestampMode` `signed` or `unsigned`) must send one, as
 * whole seconds since the epoch within `toleranceMs` of `nowMs`; a missing one is `missing_timestamp`,
 * never a pass. Pure.
 */
export function verifySignature(input: {
  secret: string;
  rawBody: Uint8Array;
  signature: string | undefined;
  prefix?: string;
  timestamp?: string | undefined;
  timestampMode?: TimestampMode;
  nowMs?: number;
  toleranceMs?: number;
}): SignatureProblem {
  if (!input.signature) return 'missing_signature';
  const prefix = input.prefix ?? '';
  if (!input.signature.startsWith(prefix)) return 'bad_signature';
  const mode = input.timestampMode ?? 'none';
  if (mode !== 'none' && (!input.timestamp || !/^\d+$/.test(input.timestamp))) return 'missing_timestamp';
  const expected = prefix + hmacSha256Hex(input.secret, signedContent(input.rawBody, input.timestamp, mode));
  if (!constantTimeEqual(input.signature.toLowerCase(), expected)) return 'bad_signature';
  if (mode !== 'none') {
    if (input.nowMs === undefined) return 'stale_timestamp';
    const ageMs = Math.abs(input.nowMs - Number(input.timestamp) * 1000);
    if (!Number.isFinite(ageMs) || ageMs > (input.toleranceMs ?? TIMESTAMP_TOLERANCE_MS))
      return 'stale_timestamp';
  }
  return null;
}
