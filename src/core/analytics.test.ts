import { describe, expect, it } from 'vitest';
import { ANALYTICS_RANGE, analyticsFacts } from '../../test/support/analytics-fixture.ts';
import { computeAnalytics, triggerOf } from './analytics.ts';
import { ANALYTICS_CSV_COLUMNS, analyticsCsv } from './analytics-csv.ts';

const MIN = 60_000;

/** Every expected number is counted by hand from test/support/analytics-fixture.ts; how, beside it. */
describe('computeAnalytics', () => {
  const report = computeAnalytics(analyticsFacts(), ANALYTICS_RANGE);

  it('counts top-level sessions in the range by outcome, leaving out attempts, reviews and other days', () => {
    // A–G: D1 is D's attempt, R a review (counted apart), Z on 2026-10-31.
    expect(report.totals.sessions).toBe(7);
    // delivered A, B, D; bowed out C; failed E; cancelled F; running G (queued).
    expect(report.totals.outcomes).toEqual({
      delivered: 3,
      bowed_out: 1,
      failed: 1,
      cancelled: 1,
      running: 1,
    });
    // 3 delivered of the 6 that ended (G still runs).
    expect(report.totals.deliveryRate).toBe(0.5);
    expect(report.reviews).toBe(1);
  });

  it('reads merges from the last pull.closed and prices delivered and merged changes with all the cost', () => {
    // A closed, reopened and merged (last: merged); B closed unmerged; D's still open.
    expect(report.totals.pulls).toEqual({ merged: 1, closed: 1 });
    expect(report.totals.mergeRate).toBe(0.5);
    // 1 + 2 + 0.5 + 1.5 + 0.25 + 0 + 0 (D1's 0.7 is in D's already, R's 3 and Z's 9 are not counted).
    expect(report.totals.costUsd).toBeCloseTo(5.25, 9);
    expect(report.totals.costUnknown).toBe(true); // D had a call of unknown price
    expect(report.totals.costPerDeliveredUsd).toBeCloseTo(5.25 / 3, 9);
    expect(report.totals.costPerMergedUsd).toBeCloseTo(5.25, 9);
  });

  it('times created → first delivered, and rolls gate catches and findings of attempts into their parent', () => {
    // A 10 min, D 20 min (its first delivery; not D1's 15, nor D's second turn), B 30 min: nearest rank.
    expect(report.totals.timeToPrMs).toEqual({ p50: 20 * MIN, p95: 30 * MIN });
    // A 1, C 2, D1 1 (Z's is out of range).
    expect(report.totals.gateCatches).toBe(4);
    // A: major, nit, minor; D1: critical (R's critical is a review session's).
    expect(report.totals.findings).toEqual({ critical: 1, major: 1, minor: 1, nit: 1 });
  });

  it('gives every day of the range and breakdowns by repository, model and trigger', () => {
    expect(report.days.map((day) => [day.day, day.sessions, day.outcomes.delivered])).toEqual([
      ['2026-11-01', 3, 2], // A, B delivered; C
      ['2026-11-02', 2, 1], // D delivered; E
      ['2026-11-03', 2, 0], // F, G
    ]);
    expect(report.breakdowns.repo.map((group) => [group.key, group.sessions])).toEqual([
      ['/r/app', 5], // A B D F G
      ['/r/lib', 2], // C E
    ]);
    expect(report.breakdowns.model.map((group) => [group.key, group.sessions])).toEqual([
      ['m1', 5], // A B E F G
      ['m2', 2], // C D
    ]);
    expect(report.breakdowns.trigger.map((group) => [group.key, group.sessions])).toEqual([
      ['api', 2], // B G
      ['cli', 1], // C
      ['github', 1], // A
      ['hook', 1], // F
      ['schedule', 1], // E
      ['slack', 1], // D
    ]);
    const app = report.breakdowns.repo[0];
    // /r/app: delivered A B D of 4 ended (G runs); merged A, closed B; cost 1 + 2 + 1.5.
    expect(app).toMatchObject({ deliveryRate: 0.75, mergeRate: 0.5, costUsd: 4.5 });
  });

  it('filters by repository, model and trigger, keeping the choices of the whole range', () => {
    const lib = computeAnalytics(analyticsFacts(), { ...ANALYTICS_RANGE, repo: '/r/lib' });
    // C bowed out, E failed: nothing delivered, so no cost per delivered change.
    expect(lib.totals).toMatchObject({
      sessions: 2,
      deliveryRate: 0,
      costPerDeliveredUsd: null,
      mergeRate: null,
    });
    expect(lib.reviews).toBe(0); // R is on /r/app
    expect(lib.choices.repo).toEqual(['/r/app', '/r/lib']);
    const api = computeAnalytics(analyticsFacts(), { ...ANALYTICS_RANGE, trigger: 'api', model: 'm1' });
    // B delivered, G running; R is an api review on m1.
    expect(api.totals).toMatchObject({ sessions: 2, deliveryRate: 1 });
    expect(api.reviews).toBe(1);
    expect(api.filters).toEqual({ trigger: 'api', model: 'm1' });
  });

  it('is empty, not an error, with nothing recorded', () => {
    const empty = computeAnalytics([], ANALYTICS_RANGE);
    expect(empty.totals).toMatchObject({ sessions: 0, deliveryRate: null, costPerMergedUsd: null });
    expect(empty.totals.timeToPrMs).toEqual({ p50: null, p95: null });
    expect(empty.days).toHaveLength(3);
  });
});

describe('triggerOf', () => {
  it('names the trigger from who started the session', () => {
    expect(triggerOf({})).toBe('cli');
    expect(triggerOf({ createdBy: { id: 'token:abc', name: 'web' } })).toBe('api');
    expect(triggerOf({ createdBy: { id: 'gitlab:bob', name: 'bob' } })).toBe('gitlab');
  });
});

describe('analyticsCsv', () => {
  it('writes a row per day and per repository, model and trigger that had sessions that day', () => {
    const lines = analyticsCsv(analyticsFacts(), ANALYTICS_RANGE).trimEnd().split('\r\n');
    expect(lines[0]).toBe(ANALYTICS_CSV_COLUMNS.join(','));
    const day2 = lines.filter((line) => line.startsWith('2026-11-02,'));
    // D (slack, m2, /r/app, delivered, 20 min, $1.5 unknown, 1 catch, 1 critical) and E (schedule, m1, /r/lib, failed, $0.25).
    expect(day2).toEqual([
      '2026-11-02,all,,2,1,0,1,0,0,0.5,0,0,,1.75,true,1.75,,1200000,1200000,1,1,0,0,0',
      '2026-11-02,repo,/r/app,1,1,0,0,0,0,1,0,0,,1.5,true,1.5,,1200000,1200000,1,1,0,0,0',
      '2026-11-02,repo,/r/lib,1,0,0,1,0,0,0,0,0,,0.25,false,,,,,0,0,0,0,0',
      '2026-11-02,model,m1,1,0,0,1,0,0,0,0,0,,0.25,false,,,,,0,0,0,0,0',
      '2026-11-02,model,m2,1,1,0,0,0,0,1,0,0,,1.5,true,1.5,,1200000,1200000,1,1,0,0,0',
      '2026-11-02,trigger,schedule,1,0,0,1,0,0,0,0,0,,0.25,false,,,,,0,0,0,0,0',
      '2026-11-02,trigger,slack,1,1,0,0,0,0,1,0,0,,1.5,true,1.5,,1200000,1200000,1,1,0,0,0',
    ]);
    // 3 days × 1 `all` row + day 1: 2 repos, 2 models, 3 triggers; day 2: 6; day 3: 1 + 1 + 2.
    expect(lines).toHaveLength(1 + 3 + 7 + 6 + 4);
  });
});
