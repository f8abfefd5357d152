import { isDrydockError } from '../core/errors.ts';
import { parseForgeRepo } from '../core/forge-repo.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Forge } from '../core/ports/forge.ts';
import type { Store } from '../core/ports/store.ts';
import { FORGE_LINK_PREFIXES } from './forge-link.ts';
import { recordPullClosed } from './pull-closed.ts';
import {
  closeOfState,
  DEFAULT_PULL_SWEEP_LIMIT,
  orderToAsk,
  PULL_SWEEP_PREFIX,
  pullSweepKey,
  type SweepCandidate,
  sweepCandidates,
  sweepRun,
} from './pull-sweep-plan.ts';

export interface PullSweepDeps {
  store: Store;
  forge: Forge;
  clock: Clock;
  intervalMs: number;
  /** Pull requests asked about per run (default DEFAULT_PULL_SWEEP_LIMIT). */
  limit?: number;
  /** A pull request the forge refused to tell about, or a run cut short (a rate limit): logged, not thrown. */
  onError?: (error: unknown) => void;
}

/** Session logs a run may read per pull request it may ask about, looking for closes already recorded. */
export const LOGS_PER_ASK = 10;

/** What one run did: `skipped` when another process had claimed it. */
export interface SweepReport {
  skipped: boolean;
  asked: number;
  /** Closes the forge told of, handed to recordPullClosed (which records each once). */
  found: number;
  /** A transient failure (a rate limit, an outage) ended the run early: the rest waits for the next run. */
  stoppedEarly: boolean;
}

export interface PullSweep {
  /** One run, now (tests drive it with a fake clock). */
  sweep(): Promise<SweepReport>;
  /** Runs now, then every `intervalMs`. */
  start(): void;
  stop(): Promise<void>;
}

/** Whether `forge` can say a pull request of `repo`'s state: the forge it lives on is configured and can. */
function canAsk(forge: Forge, repo: string): boolean {
  const kind = parseForgeRepo(repo)?.kind;
  if (!kind) return false;
  if ('forgeOf' in forge && typeof forge.forgeOf === 'function') {
    const of = forge.forgeOf(kind) as Forge | null;
    return typeof of?.pullRequestState === 'function';
  }
  return forge.kind === kind && typeof forge.pullRequestState === 'function';
}

/**
 * The pull-request sweep (docs/cost.md, Analytics): asks the forge about the pull requests drydock opened
 * whose close is not in their session's log, a few per run, and records the closes it learns of through
 * recordPullClosed, as their webhook would have. Of several server processes one sweeps each run: the
 * run is claimed as a delivery first, as schedules' due times are.
 */
export function createPullSweep(deps: PullSweepDeps): PullSweep {
  const { store, forge } = deps;
  const limit = deps.limit ?? DEFAULT_PULL_SWEEP_LIMIT;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<SweepReport> | null = null;

  /** Whether the session's log has a close of the pull request: then it needs no asking. */
  async function closeRecorded(candidate: SweepCandidate): Promise<boolean> {
    const events = await store.listEvents(candidate.sessionId);
    return events.some(
      (event) => event.data.type === 'pull.closed' && event.data.number === candidate.number,
    );
  }

  async function remember(candidate: SweepCandidate, done: boolean): Promise<void> {
    const checkedAt = deps.clock.now().toISOString();
    await store.linkSession(pullSweepKey(candidate.sessionId), candidate.sessionId, {
      checkedAt,
      ...(done ? { done: true } : {}),
    });
  }

  async function run(): Promise<SweepReport> {
    const report: SweepReport = { skipped: false, asked: 0, found: 0, stoppedEarly: false };
    const runId = sweepRun(deps.clock.now(), deps.intervalMs);
    const claim = await store.claimDelivery('pull-sweep', runId);
    if (!claim.claimed) return { ...report, skipped: true };
    const ask = forge.pullRequestState?.bind(forge);
    try {
      const origins = [];
      for (const prefix of FORGE_LINK_PREFIXES) origins.push(...(await store.listLinks({ prefix })));
      const swept = await store.listLinks({ prefix: PULL_SWEEP_PREFIX });
      const candidates = orderToAsk(sweepCandidates(origins, swept)).filter((each) =>
        canAsk(forge, each.repo),
      );
      // Logs read per run are bounded too: after an upgrade, every close a webhook recorded is found once.
      for (const candidate of ask ? candidates.slice(0, limit * LOGS_PER_ASK) : []) {
        if (await closeRecorded(candidate)) {
          await remember(candidate, true);
          continue;
        }
        if (!ask || report.asked >= limit) continue;
        report.asked += 1;
        let close: ReturnType<typeof closeOfState>;
        try {
          const state = await ask(candidate.repo, candidate.number);
          close = closeOfState(candidate.repo, state);
        } catch (error) {
          deps.onError?.(error);
          // A rate limit or an outage: stop asking; the rest waits for the next run, nothing is recorded.
          if (isDrydockError(error) && error.transient) {
            report.stoppedEarly = true;
            break;
          }
          // Refused (a repository drydock lost access to): asked again after the others.
          await remember(candidate, false);
          continue;
        }
        if (close) {
          await recordPullClosed(store, close);
          report.found += 1;
        }
        await remember(candidate, close !== null);
      }
      return report;
    } finally {
      const outcome = `asked ${report.asked}, found ${report.found}${report.stoppedEarly ? ', stopped early' : ''}`;
      await store.finishDelivery('pull-sweep', runId, { sessionId: null, outcome });
    }
  }

  return {
    sweep() {
      running =
        running ??
        run().finally(() => {
          running = null;
        });
      return running;
    },
    start() {
      const sweepLogged = () => {
        this.sweep().catch((error: unknown) => deps.onError?.(error));
      };
      sweepLogged();
      timer = setInterval(sweepLogged, deps.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => {});
    },
  };
}
