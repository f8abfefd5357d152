import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ConflictError, describeError, isDrydockError } from '../core/errors.ts';
import type { EventBus } from '../core/ports/event-bus.ts';
import type { Job, Lease, Queue } from '../core/ports/queue.ts';
import { isSessionTakenOver } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import { isTerminal, type SessionState } from '../core/session-state.ts';
import { cancelRequested } from '../sessions/follow-ups.ts';
import { runSession } from '../sessions/run-session.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import { failStrandedSession } from '../sessions/session-failure.ts';
import { type Logger, silentLogger } from './logger.ts';

/**
 * Why a session whose job the queue gave up on failed, and what to do: nothing will run it again, and
 * a failed session takes no follow-ups. Pure.
 */
export function deadLetterReason(job: Pick<Job, 'attempts' | 'lastError'>): string {
  const attempts = job.attempts === 1 ? '1 attempt' : `${job.attempts} attempts`;
  return (
    `the job queue gave up on this session after ${attempts} (last error: ${job.lastError ?? 'none recorded'}), ` +
    "so no worker will resume it. Check the workers' logs for the cause, then start a new session with the same task."
  );
}

/** The queue's job kind for running a session; the job's key is the session id. */
export const SESSION_JOB = 'session';

/** States a session is left in when its process dies mid-run; a new worker resumes them. */
export const RESUMABLE_STATES: readonly SessionState[] = [
  'provisioning',
  'setup',
  'working',
  'verifying',
  'reviewing',
  'delivering',
];

export const DEFAULT_LEASE_MS = 30_000;

export interface WorkerOptions {
  deps: SessionDeps;
  queue: Queue;
  bus: EventBus;
  /** Sessions run at once. */
  concurrency: number;
  /**
   * How often an idle worker asks the queue for work anyway; default 1 s. It also asks whenever the
   * queue's watch() says work arrived, or someone calls wake().
   */
  pollMs?: number;
  /** A lease's visibility timeout: how long a dead worker's session waits before another takes it. */
  leaseMs?: number;
  /** Between heartbeats; default a third of the lease. */
  heartbeatMs?: number;
  /** How often a running session's log is read for a cancel request from another process; default 1 s. */
  cancelPollMs?: number;
  /** Names this worker on the jobs it leases. */
  workerId?: string;
  /**
   * Which sessions the start enqueues from the store: `live` (queued and mid-run ones) for the
   * in-process queue, which forgets its jobs with its process; `queued` for a durable queue (plus
   * mid-run sessions that have no job at all, left by a drydock from before the queue). Queued
   * sessions are enqueued again every `reconcileMs` (default 60 s), once queued for that long, so a
   * lost enqueue delays a session rather than stranding it (and a session `drydock run` is about to
   * start itself is left alone). Live sessions whose jobs went dead (out of attempts) are marked failed
   * on start and every `reconcileMs`, and at once when this worker's own failure dead-letters a job.
   */
  recover?: 'live' | 'queued';
  reconcileMs?: number;
  /**
   * Each run's start and end, and failures the worker cannot record on a session (the store is
   * unreachable, a lease lost), with the session and job ids bound. Default: none.
   */
  log?: Logger;
  /** Told the ids of the running sessions whenever a run starts or ends (a worker thread mirrors them). */
  onRunning?: (sessionIds: string[]) => void;
}

export interface Worker {
  /** Enqueues recovered sessions, then leases. */
  start(): Promise<void>;
  /** Work was enqueued: ask the queue now rather than at the next poll. */
  wake(): void;
  /** Aborts a session running in this process (it ends `cancelled` at its next step); false if it runs elsewhere. */
  abort(sessionId: string): boolean;
  /** Ids of the sessions running now. */
  running(): string[];
  /**
   * Drains: stops leasing and asks every running session to stop after its next saved step (a
   * hand-off, not a cancel: the session stays live), then waits up to `timeoutMs` for them. A session
   * that stopped goes back to the queue at once, and another worker resumes it from that step. Returns
   * the ids of sessions still running (a long command or model call); handOff() gives them back too.
   */
  stop(timeoutMs: number): Promise<string[]>;
  /**
   * Releases the leases of the sessions still running, so another worker resumes them from their
   * checkpoints at once. Make sure their runs can no longer write (close the store) first, or two
   * workers write one session. With `abandonMs`, the runs are first ended (their commands stopped)
   * and given that long to release their sandboxes and workspaces, so the exiting worker leaves
   * nothing mounted, and none of them unmounts a workspace the next worker already mounted: the
   * leases go only after that.
   */
  handOff(options?: { abandonMs?: number }): Promise<void>;
}

interface Run {
  lease: Lease;
  /** The worker's logger with the session and job bound. */
  log: Logger;
  controller: AbortController;
  /** Aborted by stop(): the run ends after its next saved step and leaves the session live. */
  handOff: AbortController;
  /** The lease expired and another worker may hold the job: this run must not ack or release it. */
  lost: boolean;
  /** Released by stop(): the job belongs to the queue again. */
  handedOff: boolean;
  /** The run ended: its lease is being acked, released or failed, so a heartbeat's false means nothing. */
  ended: boolean;
  done: Promise<void>;
}

/**
 * A queue consumer: leases session jobs, runs each with runSession while heartbeating its lease and
 * watching its log for a cancel request, and acks the job once the session reached a final state
 * (a session queued again by a follow-up is released, so it runs again at once). A run that throws
 * (the store unreachable) fails the job, which retries after a backoff. `drydock up` runs one on the
 * in-process queue; `drydock worker` runs one on the Postgres queue.
 */
export function createWorker(options: WorkerOptions): Worker {
  const { deps, queue, bus, concurrency } = options;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = options.heartbeatMs ?? Math.max(100, Math.floor(leaseMs / 3));
  const cancelPollMs = options.cancelPollMs ?? 1000;
  const reconcileMs = options.reconcileMs ?? 60_000;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const runs = new Map<string, Run>();
  const timers: NodeJS.Timeout[] = [];
  let unwatch: (() => Promise<void>) | null = null;
  let stopped = false;
  let ticking = false;
  let again = false;

  const log = (options.log ?? silentLogger()).child({ component: 'worker', workerId });
  const report = (error: unknown, message: string, to: Logger = log) => to.error({ err: error }, message);

  /** Heartbeats and cancel checks for one run until it ends. */
  function watch(sessionId: string, run: Run): () => void {
    let afterSeq = 0;
    let requested = false;
    let checking = false;
    const checkCancel = async () => {
      if (checking || run.controller.signal.aborted) return;
      checking = true;
      try {
        for (;;) {
          const page = await deps.store.listEvents(sessionId, afterSeq, 500);
          requested = cancelRequested(page, requested);
          afterSeq = page.at(-1)?.seq ?? afterSeq;
          if (page.length < 500) break;
        }
        if (requested) run.controller.abort();
      } catch (error) {
        report(error, 'reading the log for a cancel request failed', run.log);
      } finally {
        checking = false;
      }
    };
    const beat = async () => {
      if (run.lost || run.handedOff || run.ended) return;
      try {
        // A heartbeat answered after the run ended and gave its lease back is not a lost lease.
        if (!(await queue.heartbeat(run.lease, leaseMs)) && !run.ended) {
          run.lost = true;
          // Another worker may hold the session now: stop after the step in flight, leaving it live.
          run.handOff.abort();
          run.log.warn(
            {
              err: new ConflictError(
                'lease_lost',
                `The lease on session ${sessionId} expired before a heartbeat renewed it; this worker stops its run after the current step, and another worker may resume it.`,
              ),
            },
            'lease lost',
          );
        }
      } catch (error) {
        report(error, 'renewing the lease failed', run.log);
      }
    };
    void checkCancel();
    const cancelTimer = setInterval(() => void checkCancel(), cancelPollMs);
    const beatTimer = setInterval(() => void beat(), heartbeatMs);
    return () => {
      clearInterval(cancelTimer);
      clearInterval(beatTimer);
    };
  }

  async function settle(run: Run, session: Session): Promise<void> {
    if (run.lost || run.handedOff) {
      run.log.info({ state: session.state }, "session run stopped; the job is no longer this worker's");
      return;
    }
    // Final: done. Anything else (queued again by a follow-up) goes back to the queue to run again.
    if (isTerminal(session.state)) await queue.ack(run.lease);
    else await queue.release(run.lease);
    run.log.info(
      { state: session.state },
      isTerminal(session.state) ? 'session run ended' : 'session queued again',
    );
  }

  function launch(lease: Lease): void {
    const sessionId = lease.job.key;
    const run: Run = {
      lease,
      log: log.child({ sessionId, jobId: lease.job.id }),
      controller: new AbortController(),
      handOff: new AbortController(),
      lost: false,
      handedOff: false,
      ended: false,
      done: Promise.resolve(),
    };
    const unwatch = watch(sessionId, run);
    run.log.info({ attempt: lease.job.attempts }, 'session run started');
    run.done = runSession(deps, sessionId, {
      signal: run.controller.signal,
      handOff: run.handOff.signal,
      onEvent: (event) => bus.publish(event),
      // A fresh fencing token per lease: once this run claimed the session with it, a run of the
      // session elsewhere (one whose lease expired while it was frozen) can write nothing more.
      owner: `${workerId}/${randomUUID()}`,
    })
      .finally(() => {
        run.ended = true;
      })
      .then(
        (session) => settle(run, session),
        async (error: unknown) => {
          report(error, 'session run failed', run.log);
          // Another worker claimed the session: its lease, its job; this run wrote nothing after that.
          if (isSessionTakenOver(error)) run.lost = true;
          if (run.lost || run.handedOff) return;
          // A drydock error says whether retrying helps; anything else is most likely the store failing.
          const transient = isDrydockError(error) ? error.transient : true;
          if (await queue.fail(lease, { message: describeError(error), transient })) {
            await failIfDead(sessionId);
          }
        },
      )
      .catch((error: unknown) => report(error, 'settling the job failed', run.log))
      .finally(() => {
        unwatch();
        runs.delete(sessionId);
        options.onRunning?.([...runs.keys()]);
        tick();
      });
    runs.set(sessionId, run);
    options.onRunning?.([...runs.keys()]);
  }

  async function pick(): Promise<void> {
    while (!stopped && runs.size < concurrency) {
      const lease = await queue.lease({ worker: workerId, kinds: [SESSION_JOB], visibilityMs: leaseMs });
      if (!lease) return;
      if (stopped || runs.has(lease.job.key)) {
        // Cannot happen with one job per session, unless stop() came while leasing.
        await queue.release(lease);
        return;
      }
      launch(lease);
    }
  }

  function tick(): void {
    if (stopped) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    void (async () => {
      try {
        do {
          again = false;
          await pick();
        } while (again && !stopped);
      } catch (error) {
        report(error, 'leasing a job failed');
      } finally {
        ticking = false;
      }
    })();
  }

  /** Marks a live session failed when its job is dead: the queue will never hand it to a worker again. */
  async function failIfDead(sessionId: string): Promise<void> {
    const job = await queue.get(SESSION_JOB, sessionId);
    if (job?.state !== 'dead') return;
    await failStrandedSession(
      deps.store,
      sessionId,
      { code: 'job_dead_lettered', reason: deadLetterReason(job) },
      { onEvent: (event) => bus.publish(event) },
    );
  }

  /**
   * Fails the live sessions whose jobs went dead: a job whose lease expired on every attempt is
   * dead-lettered inside some worker's lease call, which does not say which.
   */
  async function failDeadLettered(): Promise<void> {
    for (const state of ['queued', ...RESUMABLE_STATES] as const) {
      const sessions = await deps.store.listSessions({ state, order: 'oldest', limit: 1000 });
      for (const session of sessions) {
        if (!runs.has(session.id)) await failIfDead(session.id);
      }
    }
  }

  async function enqueueStates(
    states: readonly SessionState[],
    filter: { onlyWithoutJob?: boolean; updatedBeforeMs?: number } = {},
  ): Promise<void> {
    for (const state of states) {
      // Children (attempts, a manager's children) are never jobs: their parent's run runs them.
      const sessions = await deps.store.listSessions({ state, parentId: null, order: 'oldest', limit: 1000 });
      for (const session of sessions) {
        if (filter.updatedBeforeMs !== undefined && Date.parse(session.updatedAt) > filter.updatedBeforeMs)
          continue;
        if (filter.onlyWithoutJob && (await queue.get(SESSION_JOB, session.id))) continue;
        await queue.enqueue({ kind: SESSION_JOB, key: session.id });
      }
    }
  }

  return {
    async start() {
      // First, so that the enqueues below do not revive a dead job as if nothing had happened.
      await failDeadLettered();
      // Sessions a dead process left mid-run started before any queued one: they go first.
      await enqueueStates(RESUMABLE_STATES, { onlyWithoutJob: options.recover !== 'live' });
      await enqueueStates(['queued']);
      // Woken by the queue when work arrives (LISTEN/NOTIFY on Postgres); the poll is the fallback.
      unwatch = await queue.watch(tick).catch((error: unknown) => {
        report(error, 'watching the queue failed; polling');
        return null;
      });
      timers.push(setInterval(tick, options.pollMs ?? 1000));
      timers.push(
        setInterval(() => {
          const updatedBeforeMs = deps.clock.now().getTime() - reconcileMs;
          failDeadLettered()
            .then(() => enqueueStates(['queued'], { updatedBeforeMs }))
            .then(tick, (error: unknown) => report(error, 'reconciling sessions with the queue failed'));
        }, reconcileMs),
      );
      for (const timer of timers) timer.unref();
      tick();
    },

    wake: tick,

    abort(sessionId) {
      const run = runs.get(sessionId);
      run?.controller.abort();
      return run !== undefined;
    },

    running: () => [...runs.keys()],

    async stop(timeoutMs) {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await unwatch?.().catch((error: unknown) => report(error, 'unwatching the queue failed'));
      for (const run of runs.values()) run.handOff.abort();
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...runs.values()].map((run) => run.done)),
        new Promise<void>((resolve) => {
          timeout = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timeout);
      return [...runs.keys()];
    },

    async handOff(options = {}) {
      const handing = [...runs.values()].filter((run) => !run.lost && !run.handedOff);
      // Marked first: a run that ends now neither acks nor fails its job.
      for (const run of handing) run.handedOff = true;
      if (options.abandonMs !== undefined) {
        for (const run of handing) run.controller.abort();
        let timeout: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all(handing.map((run) => run.done)),
          new Promise<void>((resolve) => {
            timeout = setTimeout(resolve, options.abandonMs);
          }),
        ]);
        clearTimeout(timeout);
      }
      for (const run of handing) {
        await queue
          .release(run.lease)
          .catch((error: unknown) => report(error, 'releasing the job failed', run.log));
      }
    },
  };
}
