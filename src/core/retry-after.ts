/**
 * How long a `Retry-After` header asks to wait, in ms: a number of seconds, or an HTTP date (measured
 * from `nowMs`, never negative). Null when there is no header or it says neither. Pure.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | null {
  const value = header?.trim();
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : null;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}
