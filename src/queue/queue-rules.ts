import type { FailRequest, Job } from '../core/ports/queue.ts';

/** Retry backoff: `baseMs` doubled per attempt already made, at most `maxMs`. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };
export const DEFAULT_MAX_ATTEMPTS = 5;

/** The delay before the next attempt after `attempts` failed ones. Pure. */
export function backoffMs(attempts: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, attempts - 1);
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 30));
}

/** Whether a worker may lease the job now: pending and due, or leased with an expired lease. Pure. */
export function isVisible(job: Job, nowMs: number): boolean {
  if (job.state === 'pending') return job.runAtMs <= nowMs;
  if (job.state === 'leased') return job.leasedUntilMs !== null && job.leasedUntilMs <= nowMs;
  return false;
}

/** A job whose lease expired with no attempts left goes dead instead of being leased again. Pure. */
export function isExhausted(job: Job, nowMs: number): boolean {
  return job.state === 'leased' && isVisible(job, nowMs) && job.attempts >= job.maxAttempts;
}

/** Since when a visible job has been waiting: its due time, or its lease's expiry. */
function visibleSinceMs(job: Job): number {
  return job.state === 'leased' ? (job.leasedUntilMs ?? 0) : job.runAtMs;
}

/**
 * Which job a worker leases next: the visible job of one of `kinds` that became visible first (ties by
 * id), skipping exhausted ones. Pure; the Postgres queue's SQL orders the same way.
 */
export function pickNext(jobs: Iterable<Job>, kinds: readonly string[], nowMs: number): Job | null {
  let best: Job | null = null;
  for (const job of jobs) {
    if (!kinds.includes(job.kind) || !isVisible(job, nowMs) || isExhausted(job, nowMs)) continue;
    if (
      best === null ||
      visibleSinceMs(job) < visibleSinceMs(best) ||
      (visibleSinceMs(job) === visibleSinceMs(best) && job.id < best.id)
    ) {
      best = job;
    }
  }
  return best;
}

/** What a failed attempt leads to. Pure. */
export function afterFailure(
  job: Pick<Job, 'attempts' | 'maxAttempts'>,
  failure: FailRequest,
  nowMs: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): { state: 'pending'; runAtMs: number } | { state: 'dead' } {
  if (!failure.transient || job.attempts >= job.maxAttempts) return { state: 'dead' };
  return { state: 'pending', runAtMs: nowMs + backoffMs(job.attempts, policy) };
}
