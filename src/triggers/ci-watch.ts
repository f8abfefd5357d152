import type { Clock } from '../core/ports/clock.ts';
import type { Forge } from '../core/ports/forge.ts';
import type { Store } from '../core/ports/store.ts';
import { sendMessage } from '../sessions/follow-ups.ts';
import { ciComment, ciFollowUpMessage, DEFAULT_CI_FOLLOW_UPS, decideCi, logTail } from './ci-follow-up.ts';
import { FORGE_LINK_PREFIXES, findForgeLink, forgeKey, originPrefix, toJsonValue } from './forge-link.ts';

/** A clock that can also wait: tests pass a fake one and move time themselves. */
export interface WaitClock extends Clock {
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemWaitClock: WaitClock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    }),
};

/** Between looks at a pushed commit's checks: quick at first, then every two minutes, about an hour in all. */
export const DEFAULT_CI_DELAYS_MS: readonly number[] = [
  10_000,
  20_000,
  40_000,
  60_000,
  ...Array.from({ length: 28 }, () => 120_000),
];

export interface CiWatcherDeps {
  store: Store;
  forge: Forge;
  clock?: WaitClock;
  /** CI follow-up turns per session (default 2). */
  maxFollowUps?: number;
  delaysMs?: readonly number[];
  /** A session was reopened by a CI follow-up: enqueue it. */
  wake(sessionId: string): void;
  onError?: (error: unknown, sessionId: string) => void;
}

export interface CiWatcher {
  /** Polls the checks of `commit`, just pushed for the session, until they settle (replaces an older watch). */
  watch(sessionId: string, commit: string): void;
  /**
   * A check suite or run completed on `sha` (a webhook): looks at that commit's checks now. Returns the
   * session it concerns, or null when the commit is not a drydock pull request's published head.
   */
  checkCommit(repo: string, sha: string, pulls: readonly number[]): Promise<string | null>;
  /** Watches every published commit whose checks drydock has not acted on yet: after a restart. */
  start(): Promise<void>;
  /** Resolves when the looks in flight finished (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

type Look = 'wait' | 'done';

/**
 * CI follow-up: after the publisher pushes a commit, watch its check runs (polling with backoff, and
 * on `check_suite`/`check_run` completed webhooks). When they fail, fetch the failing logs, start a
 * follow-up turn on the session with the check names and log tails, and say so on the pull request;
 * after `maxFollowUps` such turns, say that it gave up instead. Each commit is acted on once.
 */
export function createCiWatcher(deps: CiWatcherDeps): CiWatcher {
  const clock = deps.clock ?? systemWaitClock;
  const cap = deps.maxFollowUps ?? DEFAULT_CI_FOLLOW_UPS;
  const delays = deps.delaysMs ?? DEFAULT_CI_DELAYS_MS;
  const loops = new Map<string, AbortController>();
  const chains = new Map<string, Promise<Look>>();
  const inFlight = new Set<Promise<unknown>>();

  async function look(sessionId: string, sha: string): Promise<Look> {
    const { store, forge } = deps;
    const session = await store.getSession(sessionId);
    const found = findForgeLink(await store.listLinks({ sessionId }));
    if (!session || !found || found.data.pull === undefined) return 'done';
    const link = found.data;
    const pull = found.data.pull;
    // A newer commit, a turn in progress, or this commit already handled: nothing to do here.
    if (link.publishedCommit !== sha || session.headCommit !== sha) return 'done';
    if (session.state !== 'delivered' || link.ciHandled === sha) return 'done';
    const followUps = link.ciFollowUps ?? 0;
    const decision = decideCi(await forge.listCheckRuns(link.repo, sha), followUps, cap);
    if (decision.action === 'wait') return 'wait';
    const handled = { ...link, ciHandled: sha };
    if (decision.action === 'green') {
      await store.linkSession(found.key, sessionId, toJsonValue(handled));
      return 'done';
    }
    if (decision.action === 'cap_reached') {
      await store.linkSession(found.key, sessionId, toJsonValue(handled));
      await forge.comment(link.repo, pull, ciComment(decision, sha, cap), 'pull');
      return 'done';
    }
    const checks = [];
    for (const run of decision.failing) {
      const log = await forge
        .checkRunLog(link.repo, run)
        .catch((error: unknown) => `(drydock could not read this log: ${String(error)})`);
      checks.push({ name: run.name, conclusion: run.conclusion ?? 'failure', log: logTail(log) });
    }
    // Recorded before the turn starts, so a webhook and the poller never both start one.
    await store.linkSession(found.key, sessionId, toJsonValue({ ...handled, ciFollowUps: decision.attempt }));
    await sendMessage(store, sessionId, ciFollowUpMessage(sha, checks, decision.attempt, cap), {
      by: { id: 'ci', name: 'CI' },
    });
    deps.wake(sessionId);
    await forge.comment(link.repo, pull, ciComment(decision, sha, cap), 'pull');
    return 'done';
  }

  /** One look at a time per session; a failed look is reported and counts as `wait`. */
  function serialized(sessionId: string, sha: string): Promise<Look> {
    const previous = chains.get(sessionId) ?? Promise.resolve<Look>('done');
    const next = previous
      .catch(() => 'done' as const)
      .then(() => look(sessionId, sha))
      .catch((error: unknown): Look => {
        deps.onError?.(error, sessionId);
        return 'wait';
      });
    chains.set(sessionId, next);
    inFlight.add(next);
    void next.finally(() => inFlight.delete(next));
    return next;
  }

  async function poll(sessionId: string, sha: string, signal: AbortSignal): Promise<void> {
    for (const delay of delays) {
      await clock.sleep(delay, signal);
      if (signal.aborted) return;
      if ((await serialized(sessionId, sha)) === 'done') break;
    }
    if (loops.get(sessionId)?.signal === signal) loops.delete(sessionId);
  }

  return {
    watch(sessionId, commit) {
      loops.get(sessionId)?.abort();
      const controller = new AbortController();
      loops.set(sessionId, controller);
      void poll(sessionId, commit, controller.signal);
    },
    async checkCommit(repo, sha, pulls) {
      const { store } = deps;
      let sessionId: string | null = null;
      for (const number of pulls) {
        const link = await store.findLink(forgeKey(repo, number, 'pull'));
        if (link) {
          sessionId = link.sessionId;
          break;
        }
      }
      if (!sessionId) {
        // A check suite outside a pull request (or from a fork) names none: find the published commit.
        for (const link of await store.listLinks({ prefix: originPrefix(repo) })) {
          const found = findForgeLink([link]);
          if (found?.data.publishedCommit === sha) sessionId = link.sessionId;
        }
      }
      if (!sessionId) return null;
      await serialized(sessionId, sha);
      return sessionId;
    },
    async start() {
      for (const prefix of FORGE_LINK_PREFIXES) {
        for (const link of await deps.store.listLinks({ prefix })) {
          const data = findForgeLink([link])?.data;
          if (data?.publishedCommit && data.pull !== undefined && data.ciHandled !== data.publishedCommit) {
            this.watch(link.sessionId, data.publishedCommit);
          }
        }
      }
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    stop() {
      for (const controller of loops.values()) controller.abort();
      loops.clear();
    },
  };
}
