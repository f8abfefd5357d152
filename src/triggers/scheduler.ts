import { Cron } from 'croner';
import { describeError, isDrydockError } from '../core/errors.ts';
import type { SessionLink, TriggerRecord } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import type { SessionState } from '../core/session-state.ts';
import { createFailedSession } from '../sessions/failed-session.ts';
import { recordDelivery } from './record-delivery.ts';
import { AUTO_PAUSE_FAILURES, dueTime, runOutcome, ScheduleConfig, shouldAutoPause } from './schedule.ts';
import { startWork, type WorkRequest } from './start-work.ts';
import type { TriggerDeps } from './trigger-deps.ts';

export interface ScheduleRun {
  dueAt: string;
  sessionId: string;
  state: SessionState | null;
}

export const runKeyPrefix = (scheduleId: string): string => `schedule:${scheduleId}@`;

/** A schedule's runs, oldest first, with their sessions' states. */
export async function listScheduleRuns(deps: TriggerDeps, scheduleId: string): Promise<ScheduleRun[]> {
  const links = await deps.sessions.store.listLinks({ prefix: runKeyPrefix(scheduleId) });
  return Promise.all(
    links.map(async (link) => ({
      dueAt: linkedDueAt(link) ?? link.key.slice(runKeyPrefix(scheduleId).length),
      sessionId: link.sessionId,
      state: (await deps.sessions.store.getSession(link.sessionId))?.state ?? null,
    })),
  );
}

/** The session a schedule starts: its task on its repository, started by `schedule:<name>`. Pure. */
function scheduledWork(record: TriggerRecord, config: ScheduleConfig): WorkRequest {
  return {
    repo: config.repo,
    task: config.task,
    requester: `schedule:${record.name}`,
    createdBy: { id: `schedule:${record.name}`, name: record.name },
    ...(config.model ? { model: config.model } : {}),
    ...(config.playbook ? { playbook: { name: config.playbook, inputs: config.inputs ?? {} } } : {}),
  };
}

/** The due time a run's link records (every run's does), or null for a link without one. Pure. */
function linkedDueAt(link: SessionLink): string | null {
  const { data } = link;
  return typeof data === 'object' && data !== null && !Array.isArray(data) && typeof data.dueAt === 'string'
    ? data.dueAt
    : null;
}

/**
 * Runs a schedule now, whatever its cron says (paused or not): a run like the due ones, listed with
 * them at the time it started, and counted toward pausing. Its cron's next time is not moved. A run
 * that cannot start throws (someone is there to read why) and leaves no run behind.
 */
export async function runScheduleNow(deps: TriggerDeps, record: TriggerRecord): Promise<Session> {
  const config = ScheduleConfig.parse(record.config);
  const session = await startWork(deps, scheduledWork(record, config));
  const startedAt = deps.sessions.clock.now().toISOString();
  // Keyed by its session too: two runs started in the same millisecond are two runs.
  await deps.sessions.store.linkSession(`${runKeyPrefix(record.id)}${startedAt}#${session.id}`, session.id, {
    scheduleId: record.id,
    dueAt: startedAt,
    manual: true,
  });
  return session;
}

/** When a schedule runs next by its cron, or null (paused, or a cron with no time left). Pure. */
export function nextRunAt(config: ScheduleConfig, now: Date): string | null {
  if (config.paused) return null;
  try {
    return (
      new Cron(config.cron, { timezone: config.timezone, paused: true }).nextRun(now)?.toISOString() ?? null
    );
  } catch {
    return null;
  }
}

/**
 * Runs due schedules. `tick()` is the whole loop body (tests drive it with a fake clock); `start()` calls it
 * every `intervalMs`. Each due time starts at most one session, even across processes: the due time is
 * claimed as a delivery first.
 */
export function createScheduler(
  deps: TriggerDeps,
  options: { intervalMs?: number; onError?: (error: unknown) => void } = {},
) {
  const { store } = deps.sessions;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  async function runOne(record: TriggerRecord): Promise<void> {
    const config = ScheduleConfig.parse(record.config);
    if (config.paused) return;
    const now = deps.sessions.clock.now();
    const due = dueTime(config.cron, config.timezone, new Date(config.lastDueAt ?? record.createdAt), now);
    if (!due) return;
    const runs = await listScheduleRuns(deps, record.id);
    if (shouldAutoPause(runs.map((run) => runOutcome(run.state)))) {
      const reason = `paused after ${AUTO_PAUSE_FAILURES} failed runs in a row`;
      await store.updateTrigger(record.id, { config: { ...config, paused: true, pausedReason: reason } });
      return;
    }
    const dueAt = due.toISOString();
    const claim = await store.claimDelivery(`schedule:${record.id}`, dueAt);
    await store.updateTrigger(record.id, { config: { ...config, lastDueAt: dueAt } });
    if (!claim.claimed) return;
    try {
      let session: Session;
      try {
        session = await startWork(deps, scheduledWork(record, config));
      } catch (error) {
        // A run that cannot start (the repository moved) is a visible failed run, and counts toward pausing.
        if (!isDrydockError(error) || error.kind !== 'bad_input') throw error;
        session = await createFailedSession(deps.sessions, {
          task: config.task,
          repo: config.repo,
          model: config.model ?? deps.defaultModel,
          code: error.code,
          reason: describeError(error),
        });
      }
      await store.linkSession(`${runKeyPrefix(record.id)}${dueAt}`, session.id, {
        scheduleId: record.id,
        dueAt,
      });
      await store.finishDelivery(`schedule:${record.id}`, dueAt, {
        sessionId: session.id,
        outcome: 'started',
      });
      await recordDelivery(store, {
        source: `schedule:${record.name}`,
        deliveryId: dueAt,
        sessionId: session.id,
        outcome: session.state === 'failed' ? `failed: ${session.reason}` : 'started',
      });
    } catch (error) {
      const outcome = `failed: ${describeError(error)}`;
      await store.finishDelivery(`schedule:${record.id}`, dueAt, { sessionId: null, outcome });
      await recordDelivery(store, { source: `schedule:${record.name}`, deliveryId: dueAt, outcome });
      throw error;
    }
  }

  async function tick(): Promise<void> {
    for (const record of await store.listTriggers('schedule')) {
      try {
        await runOne(record);
      } catch (error) {
        options.onError?.(error);
      }
    }
  }

  return {
    tick: async () => {
      running =
        running ??
        tick().finally(() => {
          running = null;
        });
      await running;
    },
    start() {
      timer = setInterval(() => void this.tick(), options.intervalMs ?? 15_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
