import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../core/errors.ts';
import type { Budget, Session } from '../core/session.ts';
import { isTerminal } from '../core/session-state.ts';
import { cancelQueuedSession, cancelRequested } from './follow-ups.ts';
import type { RunObserver, SessionDeps } from './session-deps.ts';
import { SessionRecorder } from './session-recorder.ts';

/** runSession (run-session.ts), handed in: the runner creates a parent's ChildRuns, so it cannot be imported here. */
export type RunSession = (
  deps: SessionDeps,
  sessionId: string,
  options: RunObserver & { signal?: AbortSignal; handOff?: AbortSignal; owner?: string },
) => Promise<Session>;

/** Children of one parent running at once when SessionDeps.childConcurrency is not set. */
export const DEFAULT_CHILD_CONCURRENCY = 3;

export interface ChildRunsOptions {
  runSession: RunSession;
  /** The parent's adapters: its children run with them (their budget aside, see `run`). */
  deps: SessionDeps;
  /** The parent's cancel: it cancels every child running here. */
  signal: AbortSignal;
  /** The parent's worker is stopping: children stop after their next saved step too, and stay live. */
  handOff?: AbortSignal;
  /** The parent run's fencing token: each child run claims its child with a fresh token derived from it. */
  owner?: string;
  /** Told every child's events, as the parent's own (the server publishes them; the CLI prints them). */
  observer?: RunObserver;
  /** Children running at once, at most; the others wait their turn. */
  concurrency: number;
  /** How often a running child's log is read for a cancel request sent to it directly; default 1 s. */
  cancelPollMs?: number;
}

interface ChildRun {
  controller: AbortController;
  done: Promise<Session>;
}

/**
 * A parent session's children (attempts, a manager's children), run in the parent's process under the
 * parent's lease: they are never jobs of their own, so a worker leases the parent alone, cancelling the
 * parent cancels them, a stopping worker hands them off with it, and a parent resumed elsewhere runs
 * its live children again from their checkpoints (runSession resumes any session where it stood).
 */
export class ChildRuns {
  readonly #options: ChildRunsOptions;
  readonly #runs = new Map<string, ChildRun>();
  /** Starts waiting for a free slot, oldest first. */
  readonly #waiting: Array<() => void> = [];
  #active = 0;

  constructor(options: ChildRunsOptions) {
    this.#options = options;
  }

  /**
   * Runs the child (from wherever it stands: queued, mid-run, or queued again by a message) unless it
   * runs here already or has ended; resolves with the session as its run left it (ended, or live when
   * the parent's worker handed off). `budget` replaces the parent's budget for this run: a parent gives
   * each child its share of the whole run's.
   */
  run(childId: string, options: { budget?: Budget } = {}): Promise<Session> {
    const running = this.#runs.get(childId);
    if (running) return running.done;
    const controller = new AbortController();
    const done = this.#start(childId, controller, options.budget).finally(() => {
      if (this.#runs.get(childId)?.done === done) this.#runs.delete(childId);
    });
    this.#runs.set(childId, { controller, done });
    return done;
  }

  /** Whether the child runs in this process now. */
  running(childId: string): boolean {
    return this.#runs.has(childId);
  }

  /**
   * Cancels a child: a running one is aborted (it ends `cancelled` at its next step), a queued one is
   * cancelled at once. Returns the session as it is then. NotFoundError for an unknown id.
   */
  async cancel(childId: string): Promise<Session> {
    const running = this.#runs.get(childId);
    if (running) {
      running.controller.abort();
      return running.done;
    }
    const session = await this.#read(childId);
    return session.state === 'queued' ? cancelQueuedSession(this.#options.deps.store, session) : session;
  }

  /**
   * The parent ended: no child may outlive it, since nothing else runs children. Running ones are
   * aborted (they end `cancelled` at their next step); live ones no run holds (queued, or left mid-run
   * by a crash) are ended `cancelled` here, with the reason. Then waits for the aborted runs.
   */
  async endAll(parentId: string, reason: string): Promise<void> {
    for (const run of this.#runs.values()) run.controller.abort();
    const { store } = this.#options.deps;
    const children = await store.listSessions({ parentId, order: 'oldest', limit: 1000 });
    for (const child of children) {
      if (isTerminal(child.state) || this.#runs.has(child.id)) continue;
      await new SessionRecorder(store, child, this.#options.observer ?? {}).transition('cancelled', {
        reason,
        patch: { reason },
      });
    }
    await this.settle();
  }

  /** Waits until every child run started here has stopped (the parent's run is ending). */
  async settle(): Promise<void> {
    while (this.#runs.size > 0) {
      await Promise.allSettled([...this.#runs.values()].map((run) => run.done));
    }
  }

  async #start(childId: string, controller: AbortController, budget: Budget | undefined): Promise<Session> {
    const { deps, signal, handOff } = this.#options;
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) controller.abort();
    try {
      await this.#slot(controller.signal, handOff);
      try {
        const session = await this.#read(childId);
        if (isTerminal(session.state)) return session;
        // Cancelled, or the worker stopping, before its turn came: a queued child is cancelled with the
        // parent; otherwise it stays as it is, for the parent's next run.
        if (controller.signal.aborted && session.state === 'queued') {
          return await cancelQueuedSession(deps.store, session);
        }
        if (controller.signal.aborted || handOff?.aborted) return session;
        const stopWatching = this.#watchCancel(childId, controller);
        try {
          return await this.#options.runSession(budget ? { ...deps, budget } : deps, childId, {
            signal: controller.signal,
            ...(handOff ? { handOff } : {}),
            ...this.#options.observer,
            owner: `${this.#options.owner ?? 'parent'}/child/${randomUUID()}`,
          });
        } finally {
          stopWatching();
        }
      } finally {
        this.#release();
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Waits for a free slot; returns early (without one being taken) when the run is stopped. */
  async #slot(aborted: AbortSignal, handOff: AbortSignal | undefined): Promise<void> {
    if (this.#active < this.#options.concurrency) {
      this.#active += 1;
      return;
    }
    await new Promise<void>((resolve) => {
      const go = () => {
        aborted.removeEventListener('abort', stop);
        handOff?.removeEventListener('abort', stop);
        resolve();
      };
      const stop = () => {
        const index = this.#waiting.indexOf(take);
        if (index >= 0) this.#waiting.splice(index, 1);
        // Not taking a slot: #release below gives one back, so count one here to balance it.
        this.#active += 1;
        go();
      };
      const take = () => {
        this.#active += 1;
        go();
      };
      this.#waiting.push(take);
      aborted.addEventListener('abort', stop, { once: true });
      handOff?.addEventListener('abort', stop, { once: true });
    });
  }

  /** Gives a slot back, and hands free slots to the runs waiting (a stopped waiter counted one it never held). */
  #release(): void {
    this.#active -= 1;
    while (this.#active < this.#options.concurrency && this.#waiting.length > 0) this.#waiting.shift()?.();
  }

  /** Reads the child's log for a cancel request (someone cancelled it through the API) while it runs. */
  #watchCancel(childId: string, controller: AbortController): () => void {
    let afterSeq = 0;
    let requested = false;
    let checking = false;
    const check = async () => {
      if (checking || controller.signal.aborted) return;
      checking = true;
      try {
        for (;;) {
          const page = await this.#options.deps.store.listEvents(childId, afterSeq, 500);
          requested = cancelRequested(page, requested);
          afterSeq = page.at(-1)?.seq ?? afterSeq;
          if (page.length < 500) break;
        }
        if (requested) controller.abort();
      } catch {
        // The store is unreachable: the child's own writes fail and end its run.
      } finally {
        checking = false;
      }
    };
    const timer = setInterval(() => void check(), this.#options.cancelPollMs ?? 1000);
    timer.unref();
    return () => clearInterval(timer);
  }

  async #read(childId: string): Promise<Session> {
    const session = await this.#options.deps.store.getSession(childId);
    if (session) return session;
    throw new NotFoundError('session_not_found', `No child session ${childId}.`);
  }
}
