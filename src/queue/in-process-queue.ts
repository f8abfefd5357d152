import { type Clock, systemClock } from '../core/ports/clock.ts';
import type { EnqueueRequest, FailRequest, Job, Lease, LeaseRequest, Queue } from '../core/ports/queue.ts';
import {
  afterFailure,
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  DEFAULT_MAX_ATTEMPTS,
  isExhausted,
  pickNext,
} from './queue-rules.ts';

export interface QueueOptions {
  clock?: Clock;
  backoff?: BackoffPolicy;
}

/**
 * The embedded mode's queue: jobs in memory, for the workers of one process. It forgets everything
 * when the process ends, so its owner re-enqueues live sessions from the store on start.
 */
export function createInProcessQueue(options: QueueOptions = {}): Queue {
  const clock = options.clock ?? systemClock;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const jobs = new Map<string, Job & { token: string | null }>();
  const listeners = new Set<() => void>();
  // After the caller's await, never inside the queue's own call.
  const notify = () => {
    for (const listener of listeners) queueMicrotask(listener);
  };
  // Ids in enqueue order, so jobs due in the same millisecond lease first in, first out.
  let created = 0;
  let leases = 0;
  const keyOf = (kind: string, key: string) => `${kind}\u0000${key}`;
  const now = () => clock.now().getTime();
  const copy = (job: Job & { token: string | null }): Job => {
    const { token: _token, ...rest } = job;
    return structuredClone(rest);
  };
  const held = (lease: Lease) => {
    const job = jobs.get(keyOf(lease.job.kind, lease.job.key));
    // A lease past its expiry still counts until another worker takes the job.
    return job && job.state === 'leased' && job.token === lease.token ? job : null;
  };

  return {
    async enqueue(request: EnqueueRequest) {
      const existing = jobs.get(keyOf(request.kind, request.key));
      if (existing?.state === 'pending') return copy(existing);
      if (existing?.state === 'leased') {
        existing.rerun = true;
        return copy(existing);
      }
      if (!existing) created += 1;
      const job = {
        id: existing?.id ?? `job-${String(created).padStart(12, '0')}`,
        kind: request.kind,
        key: request.key,
        payload: request.payload ?? null,
        state: 'pending' as const,
        attempts: 0,
        maxAttempts: request.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        runAtMs: now(),
        leasedUntilMs: null,
        leasedBy: null,
        rerun: false,
        lastError: null,
        token: null,
      };
      jobs.set(keyOf(request.kind, request.key), job);
      notify();
      return copy(job);
    },

    async lease(request: LeaseRequest) {
      const nowMs = now();
      for (const job of jobs.values()) {
        if (isExhausted(job, nowMs)) {
          Object.assign(job, { state: 'dead', token: null, leasedUntilMs: null, lastError: 'lease expired' });
        }
      }
      const next = pickNext(jobs.values(), request.kinds, nowMs);
      if (!next) return null;
      const job = jobs.get(keyOf(next.kind, next.key))!;
      leases += 1;
      const token = `lease-${leases}`;
      Object.assign(job, {
        state: 'leased',
        attempts: job.attempts + 1,
        leasedUntilMs: nowMs + request.visibilityMs,
        leasedBy: request.worker,
        token,
      });
      return { job: copy(job), token };
    },

    async heartbeat(lease, visibilityMs) {
      const job = held(lease);
      if (!job) return false;
      job.leasedUntilMs = now() + visibilityMs;
      return true;
    },

    async ack(lease) {
      const job = held(lease);
      if (!job) return false;
      if (job.rerun) {
        Object.assign(job, { state: 'pending', attempts: 0, runAtMs: now(), rerun: false });
        notify();
      } else {
        job.state = 'done';
      }
      Object.assign(job, { token: null, leasedUntilMs: null, leasedBy: null });
      return true;
    },

    async release(lease) {
      const job = held(lease);
      if (!job) return false;
      Object.assign(job, {
        state: 'pending',
        attempts: Math.max(0, job.attempts - 1),
        runAtMs: now(),
        rerun: false,
        token: null,
        leasedUntilMs: null,
        leasedBy: null,
      });
      notify();
      return true;
    },

    async fail(lease, failure: FailRequest) {
      const job = held(lease);
      if (!job) return false;
      const next = afterFailure(job, failure, now(), backoff);
      Object.assign(job, next, {
        lastError: failure.message,
        rerun: false,
        token: null,
        leasedUntilMs: null,
        leasedBy: null,
      });
      return true;
    },

    async get(kind, key) {
      const job = jobs.get(keyOf(kind, key));
      return job ? copy(job) : null;
    },

    async watch(listener) {
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
      };
    },

    async close() {
      listeners.clear();
    },
  };
}
