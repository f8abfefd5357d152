import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type Clock, systemClock } from '../core/ports/clock.ts';
import type {
  EnqueueRequest,
  FailRequest,
  Job,
  JobState,
  Lease,
  LeaseRequest,
  Queue,
} from '../core/ports/queue.ts';
import type { JsonValue } from '../core/ports/store.ts';
import { afterFailure, type BackoffPolicy, DEFAULT_BACKOFF, DEFAULT_MAX_ATTEMPTS } from './queue-rules.ts';

export interface PostgresQueueOptions {
  /** The store's database: its migrations (src/store/migrations/0004-jobs.ts) create the `jobs` table. */
  connectionString: string;
  clock?: Clock;
  backoff?: BackoffPolicy;
  /** Connection pool settings; default at most 4 connections. */
  pool?: Omit<pg.PoolConfig, 'connectionString'>;
  /** Wait before watch() reconnects a lost LISTEN connection; default 1 s. */
  reconnectMs?: number;
  /** Told when the LISTEN connection fails (it is retried). */
  onError?: (error: unknown) => void;
}

/** The channel every Postgres queue NOTIFYs when a job may have become leasable; the payload is its kind. */
export const JOBS_CHANNEL = 'drydock_jobs';
const NOTIFY = `pg_notify('${JOBS_CHANNEL}', kind)`;

interface JobRow {
  id: string;
  kind: string;
  key: string;
  payload: string;
  state: string;
  attempts: number;
  max_attempts: number;
  run_at: string | number;
  lease_token: string | null;
  leased_until: string | number | null;
  leased_by: string | null;
  rerun: number;
  last_error: string | null;
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    key: row.key,
    payload: JSON.parse(row.payload) as JsonValue,
    state: row.state as JobState,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAtMs: Number(row.run_at),
    leasedUntilMs: row.leased_until === null ? null : Number(row.leased_until),
    leasedBy: row.leased_by,
    rerun: row.rerun === 1,
    lastError: row.last_error,
  };
}

/** Clears a job's lease; `$2` and `$3` are the job id and the lease token it must still carry. */
const HELD = `id = $2 AND state = 'leased' AND lease_token = $3`;
const UNLEASE = `lease_token = NULL, leased_until = NULL, leased_by = NULL`;

/**
 * The scale-out queue: the `jobs` table of the store's Postgres database, shared by any number of
 * worker processes. A lease is one UPDATE of the first visible row `FOR UPDATE SKIP LOCKED`, so
 * concurrent workers never take the same job and never wait on each other. Times come from the clock
 * of the process that writes them: keep the machines' clocks in sync (NTP) well within a lease.
 */
export function createPostgresQueue(options: PostgresQueueOptions): Queue {
  const pool = new pg.Pool({ max: 4, ...options.pool, connectionString: options.connectionString });
  pool.on('error', () => {});
  const clock = options.clock ?? systemClock;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const now = () => clock.now().getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  const query = async (text: string, values: unknown[]) => (await pool.query<JobRow>(text, values)).rows;
  const changed = async (text: string, values: unknown[]) =>
    ((await pool.query(text, values)).rowCount ?? 0) > 0;

  // One LISTEN connection per queue handle, opened by the first watch().
  const listeners = new Set<() => void>();
  const reconnectMs = options.reconnectMs ?? 1000;
  let listenClient: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let retry: NodeJS.Timeout | null = null;
  let stopped = false;
  let reconnecting = false;
  const wakeAll = () => {
    for (const each of listeners) each();
  };
  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: options.connectionString });
    const lost = (error?: unknown) => {
      if (listenClient !== client) return;
      listenClient = null;
      if (error) options.onError?.(error);
      client.end().catch(() => {});
      if (stopped || listeners.size === 0) return;
      retry = setTimeout(() => {
        retry = null;
        listening().catch((failure: unknown) => options.onError?.(failure));
      }, reconnectMs);
      retry.unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel === JOBS_CHANNEL) wakeAll();
    });
    await client.connect();
    await client.query(`LISTEN ${JOBS_CHANNEL}`);
    listenClient = client;
    // After a lost connection: whatever was enqueued while nobody listened.
    if (reconnecting) wakeAll();
    reconnecting = true;
  };
  const listening = (): Promise<void> => {
    if (listenClient || stopped) return Promise.resolve();
    connecting ??= connect()
      .catch((error: unknown) => {
        // Try again later: watchers poll meanwhile.
        if (!stopped && listeners.size > 0 && !retry) {
          retry = setTimeout(() => {
            retry = null;
            listening().catch(() => {});
          }, reconnectMs);
          retry.unref();
        }
        throw error;
      })
      .finally(() => {
        connecting = null;
      });
    return connecting;
  };
  const stopListening = async () => {
    if (retry) clearTimeout(retry);
    retry = null;
    await connecting?.catch(() => {});
    const client = listenClient;
    listenClient = null;
    await client?.end().catch(() => {});
  };

  return {
    async enqueue(request: EnqueueRequest) {
      const nowMs = now();
      const ended = `jobs.state IN ('done', 'dead')`;
      // The notice goes out when the statement commits; a leased job's rerun wakes nobody needlessly
      // (its worker releases it when done, which notifies).
      const [row] = await query(
        `WITH job AS (
         INSERT INTO jobs (id, kind, key, payload, state, attempts, max_attempts, run_at, rerun, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, 0, $7, $7)
         ON CONFLICT (kind, key) DO UPDATE SET
           rerun = CASE WHEN jobs.state = 'leased' THEN 1 ELSE jobs.rerun END,
           state = CASE WHEN ${ended} THEN 'pending' ELSE jobs.state END,
           attempts = CASE WHEN ${ended} THEN 0 ELSE jobs.attempts END,
           max_attempts = CASE WHEN ${ended} THEN excluded.max_attempts ELSE jobs.max_attempts END,
           run_at = CASE WHEN ${ended} THEN excluded.run_at ELSE jobs.run_at END,
           payload = CASE WHEN ${ended} THEN excluded.payload ELSE jobs.payload END,
           last_error = CASE WHEN ${ended} THEN NULL ELSE jobs.last_error END,
           updated_at = excluded.updated_at
         RETURNING *)
         SELECT job.*, CASE WHEN job.state = 'pending' THEN ${NOTIFY}::text END AS notified FROM job`,
        [
          randomUUID(),
          request.kind,
          request.key,
          JSON.stringify(request.payload ?? null),
          request.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
          nowMs,
          iso(nowMs),
        ],
      );
      return toJob(row!);
    },

    async lease(request: LeaseRequest) {
      const nowMs = now();
      // Expired leases with no attempts left are dead letters, never leased again.
      await pool.query(
        `UPDATE jobs SET state = 'dead', ${UNLEASE}, last_error = 'its lease expired on every attempt', updated_at = $2
         WHERE state = 'leased' AND leased_until <= $1 AND attempts >= max_attempts`,
        [nowMs, iso(nowMs)],
      );
      const token = randomUUID();
      const [row] = await query(
        `UPDATE jobs SET state = 'leased', attempts = attempts + 1, leased_until = $2, leased_by = $3,
           lease_token = $4, updated_at = $5
         WHERE id = (
           SELECT id FROM jobs
           WHERE kind = ANY($6::text[])
             AND ((state = 'pending' AND run_at <= $1)
               OR (state = 'leased' AND leased_until <= $1 AND attempts < max_attempts))
           ORDER BY CASE WHEN state = 'leased' THEN leased_until ELSE run_at END, id
           LIMIT 1
           FOR UPDATE SKIP LOCKED
         )
         RETURNING *`,
        [nowMs, nowMs + request.visibilityMs, request.worker, token, iso(nowMs), [...request.kinds]],
      );
      return row ? { job: toJob(row), token } : null;
    },

    heartbeat(lease: Lease, visibilityMs: number) {
      const nowMs = now();
      return changed(`UPDATE jobs SET leased_until = $1, updated_at = $4 WHERE ${HELD}`, [
        nowMs + visibilityMs,
        lease.job.id,
        lease.token,
        iso(nowMs),
      ]);
    },

    ack(lease: Lease) {
      const nowMs = now();
      return changed(
        `UPDATE jobs SET state = CASE WHEN rerun = 1 THEN 'pending' ELSE 'done' END,
           attempts = CASE WHEN rerun = 1 THEN 0 ELSE attempts END,
           run_at = $1, rerun = 0, ${UNLEASE}, updated_at = $4
         WHERE ${HELD}
         RETURNING CASE WHEN state = 'pending' THEN ${NOTIFY}::text END AS notified`,
        [nowMs, lease.job.id, lease.token, iso(nowMs)],
      );
    },

    release(lease: Lease) {
      const nowMs = now();
      return changed(
        `UPDATE jobs SET state = 'pending', attempts = GREATEST(attempts - 1, 0), run_at = $1, rerun = 0,
           ${UNLEASE}, updated_at = $4
         WHERE ${HELD}
         RETURNING ${NOTIFY}::text AS notified`,
        [nowMs, lease.job.id, lease.token, iso(nowMs)],
      );
    },

    async fail(lease: Lease, failure: FailRequest) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<JobRow>(
          `SELECT * FROM jobs WHERE id = $1 AND state = 'leased' AND lease_token = $2 FOR UPDATE`,
          [lease.job.id, lease.token],
        );
        const row = rows[0];
        if (!row) {
          await client.query('ROLLBACK');
          return false;
        }
        const nowMs = now();
        const next = afterFailure(toJob(row), failure, nowMs, backoff);
        await client.query(
          `UPDATE jobs SET state = $1, run_at = $2, rerun = 0, last_error = $3, ${UNLEASE}, updated_at = $4
           WHERE id = $5`,
          [
            next.state,
            next.state === 'pending' ? next.runAtMs : Number(row.run_at),
            failure.message,
            iso(nowMs),
            row.id,
          ],
        );
        await client.query('COMMIT');
        return true;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },

    async get(kind, key) {
      const [row] = await query('SELECT * FROM jobs WHERE kind = $1 AND key = $2', [kind, key]);
      return row ? toJob(row) : null;
    },

    async watch(listener) {
      listeners.add(listener);
      await listening();
      return async () => {
        listeners.delete(listener);
        if (listeners.size === 0) await stopListening();
      };
    },

    async close() {
      stopped = true;
      listeners.clear();
      await stopListening();
      await pool.end();
    },
  };
}
