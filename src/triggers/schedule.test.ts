import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/ports/clock.ts';
import { DEFAULT_BUDGET } from '../core/session.ts';
import { createSequentialIds } from '../store/ids.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { dueTime, runOutcome, ScheduleConfig, shouldAutoPause, validateCron } from './schedule.ts';
import { createScheduler, listScheduleRuns } from './scheduler.ts';
import { DEFAULT_GITHUB_SETTINGS, type TriggerDeps } from './trigger-deps.ts';

describe('dueTime', () => {
  it.each([
    ['not yet due', '0 9 * * *', 'Europe/Berlin', '2025-03-01T00:00:00Z', '2025-03-01T07:59:00Z', null],
    [
      'due at 9:00 Berlin (8:00 UTC in winter)',
      '0 9 * * *',
      'Europe/Berlin',
      '2025-03-01T00:00:00Z',
      '2025-03-01T08:00:00Z',
      '2025-03-01T08:00:00.000Z',
    ],
    [
      '9:00 Berlin is 7:00 UTC in summer',
      '0 9 * * *',
      'Europe/Berlin',
      '2025-07-01T00:00:00Z',
      '2025-07-01T12:00:00Z',
      '2025-07-01T07:00:00.000Z',
    ],
    [
      'missed runs collapse into the latest',
      '0 * * * *',
      'UTC',
      '2025-03-01T00:00:00Z',
      '2025-03-01T05:30:00Z',
      '2025-03-01T05:00:00.000Z',
    ],
    [
      'the last run is not due again',
      '0 * * * *',
      'UTC',
      '2025-03-01T05:00:00Z',
      '2025-03-01T05:30:00Z',
      null,
    ],
  ])('%s', (_name, cron, zone, after, now, expected) => {
    expect(dueTime(cron, zone, new Date(after), new Date(now))?.toISOString() ?? null).toBe(expected);
  });
  it('refuses a bad expression or zone', () => {
    expect(() => validateCron('61 * * * *', 'UTC')).toThrow(/not a valid schedule/);
    expect(() => validateCron('0 * * * *', 'Mars/Olympus')).toThrow(/not a valid schedule/);
  });
});

describe('auto-pause', () => {
  it.each([
    [[], false],
    [['failure', 'failure'], false],
    [['failure', 'failure', 'failure'], true],
    [['failure', 'failure', 'success', 'failure', 'failure'], false],
    [['success', 'failure', 'failure', 'failure'], true],
    [['failure', 'failure', null, 'pending', 'failure'], true],
  ] as const)('%j → %s', (outcomes, expected) => expect(shouldAutoPause(outcomes)).toBe(expected));
  it.each([
    ['delivered', 'success'],
    ['bowed_out', 'failure'],
    ['failed', 'failure'],
    ['working', 'pending'],
    ['cancelled', null],
  ] as const)('%s counts as %s', (state, expected) => expect(runOutcome(state)).toBe(expected));
});

describe('scheduler', () => {
  it('runs each due time once, keeps history, and pauses after 3 failures in a row', async () => {
    let now = new Date('2025-03-01T00:00:00Z');
    const clock: Clock = { now: () => now };
    const store = await openSqliteStore({ path: ':memory:', clock, ids: createSequentialIds('s') });
    const deps: TriggerDeps = {
      sessions: {
        store,
        clock,
        ids: createSequentialIds('x'),
        home: '/nonexistent',
        budget: DEFAULT_BUDGET,
        models: () => {
          throw new Error('unused');
        },
        sandboxes: null as never,
      },
      forge: null,
      defaultModel: 'script:demo',
      publicUrl: 'http://localhost',
      github: DEFAULT_GITHUB_SETTINGS,
      wake: () => {},
      watch: () => {},
    };
    const schedule = await store.createTrigger({
      kind: 'schedule',
      name: 'nightly',
      config: { cron: '0 * * * *', timezone: 'UTC', repo: '/nonexistent/repo', task: 'update deps' },
      secret: null,
    });
    const scheduler = createScheduler(deps);
    for (const hour of [1, 1, 2, 3, 4]) {
      now = new Date(`2025-03-01T0${hour}:00:30Z`);
      await scheduler.tick();
    }
    const runs = await listScheduleRuns(deps, schedule.id);
    expect(runs.map((run) => [run.dueAt, run.state])).toEqual([
      ['2025-03-01T01:00:00.000Z', 'failed'],
      ['2025-03-01T02:00:00.000Z', 'failed'],
      ['2025-03-01T03:00:00.000Z', 'failed'],
    ]);
    const config = ScheduleConfig.parse((await store.getTrigger(schedule.id))?.config);
    expect(config).toMatchObject({ paused: true, pausedReason: 'paused after 3 failed runs in a row' });
    await store.close();
  });
});
