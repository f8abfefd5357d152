import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/ports/clock.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { auditCutoff, auditRetentionDays, createAuditPruner } from './audit-retention.ts';
import { defaultLogger } from './logger.ts';

describe('audit retention', () => {
  it('reads DRYDOCK_AUDIT_RETENTION_DAYS: unset keeps everything, a bad value is refused', () => {
    expect(auditRetentionDays(undefined)).toBeNull();
    expect(auditRetentionDays(' ')).toBeNull();
    expect(auditRetentionDays('90')).toBe(90);
    expect(auditRetentionDays('0.5')).toBe(0.5);
    for (const bad of ['0', '-3', 'ninety']) expect(() => auditRetentionDays(bad)).toThrow(/positive number/);
    expect(auditCutoff(new Date('2026-03-10T00:00:00Z'), 7)).toBe('2026-03-03T00:00:00.000Z');
  });

  it('prunes entries older than the window when it starts, and keeps the newer ones', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const clock: Clock = { now: () => now };
    const store = await openSqliteStore({ path: ':memory:', clock });
    try {
      const entry = (target: string) => ({
        actor: { id: 'cli:ops', name: 'ops' },
        action: 'repo.created',
        target,
        details: {},
        outcome: 'ok' as const,
      });
      await store.appendAudit(entry('old'));
      now = new Date('2026-01-20T00:00:00Z');
      await store.appendAudit(entry('new'));
      now = new Date('2026-01-25T00:00:00Z');
      const pruner = createAuditPruner(store, { days: 10, clock, log: defaultLogger() });
      await pruner.start();
      pruner.stop();
      expect((await store.listAudit()).map((one) => one.target)).toEqual(['new']);
    } finally {
      await store.close();
    }
  });
});
