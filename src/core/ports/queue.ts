import type { JsonValue } from './store.ts';

/** Where a job is: waiting (possibly until `runAt`), leased to a worker, finished, or given up on. */
export type JobState = 'pending' | 'leased' | 'done' | 'dead';

/**
 * One unit of work. Jobs are keyed: a queue holds at most one job per `(kind, key)` (a session's job is
 * keyed by the session id), so enqueueing work that is already waiting does nothing, and enqueueing it
 * while a worker holds it asks for one more run after that worker is done.
 */
export interface Job {
  id: string;
  kind: string;
  key: string;
  payload: JsonValue;
  state: JobState;
  /** Leases taken so far, counting the current one. */
  attempts: number;
  maxAttempts: number;
  /** Epoch ms before which a pending job is not leased (retry backoff). */
  runAtMs: number;
  /** Epoch ms when the current lease expires; null unless leased. */
  leasedUntilMs: number | null;
  leasedBy: string | null;
  /** Enqueued again while leased: it goes back to pending when the lease is acked. */
  rerun: boolean;
  lastError: string | null;
}

/** A worker's hold on a job. Every call that changes a leased job presents the lease's token. */
export interface Lease {
  job: Job;
  token: string;
}

export interface EnqueueRequest {
  kind: string;
  key: string;
  payload?: JsonValue;
  /** Leases before the job goes dead (an expired lease counts); default 5. */
  maxAttempts?: number;
}

export interface LeaseRequest {
  /** Who leases (a worker id), kept on the job for operators. */
  worker: string;
  kinds: readonly string[];
  /** How long the lease lasts unless heartbeats extend it. */
  visibilityMs: number;
}

export interface FailRequest {
  message: string;
  /** A permanent failure goes dead at once; a transient one retries after a backoff until maxAttempts. */
  transient: boolean;
}

/**
 * A job queue with leases: a leased job is invisible to other workers until its lease expires, so a
 * worker that dies loses its jobs to the others after `visibilityMs`. Implementations: in-process
 * (embedded mode) and Postgres (`SELECT … FOR UPDATE SKIP LOCKED`, any number of processes). Methods
 * that take a lease return false (or null) when the lease was lost — it expired and another worker may
 * hold the job now — and never change the job then.
 */
export interface Queue {
  /** Adds the job, or leaves a pending one as it is, or marks a leased one to run again. Idempotent. */
  enqueue(request: EnqueueRequest): Promise<Job>;
  /** The next visible job of one of `kinds` (pending and due, or leased with an expired lease), or null. */
  lease(request: LeaseRequest): Promise<Lease | null>;
  /** Extends the lease to now + visibilityMs. False when it was lost. */
  heartbeat(lease: Lease, visibilityMs: number): Promise<boolean>;
  /** The work is done: the job ends (or goes back to pending when it was enqueued again meanwhile). */
  ack(lease: Lease): Promise<boolean>;
  /** Hands the job back without counting the attempt: visible again at once (a worker stopping). */
  release(lease: Lease): Promise<boolean>;
  /** The attempt failed: pending again after a backoff, or dead when permanent or out of attempts. */
  fail(lease: Lease, failure: FailRequest): Promise<boolean>;
  get(kind: string, key: string): Promise<Job | null>;
  /**
   * Calls `listener` whenever a job may have become leasable (enqueued, released, or pending again
   * after an ack), by any process sharing the queue, so idle workers need not wait for their next
   * poll. Best effort: a notice can be lost (a dropped connection), so keep polling too. Resolves once
   * listening; the returned function stops it. The listener must not throw.
   */
  watch(listener: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
