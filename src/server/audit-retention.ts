import { BadInputError } from '../core/errors.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Store } from '../core/ports/store.ts';
import type { Logger } from './logger.ts';

const DAY_MS = 86_400_000;
/** How often a server prunes: the window is in days, so a few times a day keeps it within hours. */
export const AUDIT_PRUNE_INTERVAL_MS = 6 * 3_600_000;

/** DRYDOCK_AUDIT_RETENTION_DAYS: absent or empty keeps every entry; else a positive number of days. Pure. */
export function auditRetentionDays(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const days = Number(value);
  if (!Number.isFinite(days) || days <= 0) {
    throw new BadInputError(
      'invalid_audit_retention',
      `DRYDOCK_AUDIT_RETENTION_DAYS must be a positive number of days, got "${value}"; unset it to keep every entry.`,
    );
  }
  return days;
}

/** The time before which entries go, for a window of `days` ending `now`. Pure. */
export function auditCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

export interface AuditPruner {
  /** Prunes once, then every AUDIT_PRUNE_INTERVAL_MS. */
  start(): Promise<void>;
  stop(): void;
}

/** Deletes audit entries older than `days` (docs/audit.md, retention). A failed prune is logged and retried later. */
export function createAuditPruner(
  store: Pick<Store, 'pruneAudit'>,
  options: { days: number; clock: Clock; log: Logger; intervalMs?: number },
): AuditPruner {
  let timer: NodeJS.Timeout | null = null;
  const prune = async () => {
    try {
      const removed = await store.pruneAudit(auditCutoff(options.clock.now(), options.days));
      if (removed > 0) options.log.info({ removed, days: options.days }, 'pruned the audit log');
    } catch (error) {
      options.log.error({ err: error }, 'pruning the audit log failed');
    }
  };
  return {
    async start() {
      await prune();
      timer = setInterval(() => void prune(), options.intervalMs ?? AUDIT_PRUNE_INTERVAL_MS);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
