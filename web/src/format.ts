import { describeCost, type Usage } from '../../src/core/session.ts';

/** Counts with their nouns, as the reports say them: `plural(1, 'file')` is "1 file". */
export { plural } from '../../src/core/plural.ts';
/** Display helpers: short, unit-bearing, deterministic given `nowMs`. */

export function formatAge(iso: string, nowMs: number): string {
  const ms = nowMs - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** A session's cost: `unknown` (or `$0.12 + unknown`) when a model had no known price, never a made-up $0. */
export function formatUsageCost(usage: Pick<Usage, 'costUsd' | 'costUnknown'>): string {
  return describeCost(usage, formatCost);
}

export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** The last path segment of a repository path. */
export function basename(path: string): string {
  const trimmed = path.replace(/[/\\]+$/, '');
  return trimmed.slice(trimmed.search(/[^/\\]*$/)) || path;
}

/** The first line of a task, for one-line displays. */
export function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** A rate from 0 to 1 as a percentage; a dash when there is none yet (nothing finished). */
export function formatRate(rate: number | null): string {
  if (rate === null) return '—';
  return `${Math.round(rate * 1000) / 10}%`;
}

/**
 * A moment for a list: the time alone today, else the day and the time, with the year when it differs
 * (in the viewer's locale and zone). Deterministic given `nowMs` and the locale.
 */
export function formatWhen(iso: string, nowMs: number, locale?: string): string {
  const at = new Date(iso);
  if (!Number.isFinite(at.getTime())) return '';
  const now = new Date(nowMs);
  const time = at.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  if (at.toDateString() === now.toDateString()) return time;
  const sameYear = at.getFullYear() === now.getFullYear();
  const day = at.toLocaleDateString(locale, {
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
  return `${day} ${time}`;
}
