import { describe, expect, it } from 'vitest';
import { ANALYTICS_RANGE, analyticsFacts } from '../../test/support/analytics-fixture.ts';
import { computeAnalytics, triggerOf } from './analytics.ts';
import { ANALYTICS_CSV_COLUMNS, analyticsCsv } from './analytics-csv.ts';

const MIN = 60_000;

/** Every expected number is counted by hand from test/support/analytics-fixture.ts; how, beside it. */
describe('computeAnalytics', () => {
  const report = computeAnalytics(analyticsFacts(), ANALYTICS_RANGE);

  it('counts top-level sessions in the range by outcome, leaving out attempts, reviews and other days', () => {
    // A–G: D1 is D's attempt, R, R2 and R3 reviews (counted apart), Z on 2026-10-31.
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
    expect(report.reviews).toBe(3);
  });

  it("counts review sessions' findings by severity, verified, downgraded, dropped and acted on", () => {
    // R: critical; R2: major (verified), minor (downgraded from major), nit, 1 dropped; R3: nit.
    expect(report.review.totals).toEqual({
      reviews: 3,
      findings: { critical: 1, major: 1, minor: 1, nit: 2 },
      verified: 1,
      downgraded: 1,
      dropped: 1,
      // R2's major and nit (the major recorded twice, fixed then gone: once); R3's three keys capped at its one finding.
      actedOn: 3,
      fixedByDrydock: 1,
      // 1 verified of the 3 critical or major claims that needed evidence (verified, downgraded, dropped).
      verifiedShare: 1 / 3,
      actedOnRate: 3 / 5,
    });
    // Not among the sessions' own findings (A's and D1's: still one of each).
    expect(report.totals.findings).toEqual({ critical: 1, major: 1, minor: 1, nit: 1 });
    expect(report.review.days.map((day) => [day.day, day.reviews, day.actedOn, day.actedOnRate])).toEqual([
      ['2026-11-01', 1, 2, 2 / 3], // R2
      ['2026-11-02', 1, 0, 0], // R
      ['2026-11-03', 1, 1, 1], // R3
    ]);
    expect(report.review.breakdowns.repo.map((group) => [group.key, group.reviews, group.verified])).toEqual([
      ['acme/app', 2, 1], // R2 R3
      ['/r/app', 1, 0], // R
    ]);
    expect(report.review.breakdowns.trigger.map((group) => [group.key, group.actedOn])).toEqual([
      ['github', 3], // R2 R3
      ['api', 0], // R
    ]);
    expect(report.review.breakdowns.model.map((group) => [group.key, group.reviews])).toEqual([
      ['m1', 2], // R R2
      ['m2', 1], // R3
    ]);
    const acme = computeAnalytics(analyticsFacts(), { ...ANALYTICS_RANGE, repo: 'acme/app' });
    expect(acme.totals.sessions).toBe(0);
    expect(acme.review.totals).toMatchObject({
      reviews: 2,
      findings: { critical: 0, major: 1, minor: 1, nit: 2 },
    });
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
    // acme/app has only reviews (R2, R3): still a choice.
    expect(lib.choices.repo).toEqual(['/r/app', '/r/lib', 'acme/app']);
    expect(lib.review.totals).toMatchObject({ reviews: 0, verifiedShare: null, actedOnRate: null });
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
    expect(empty.review.totals).toMatchObject({ reviews: 0, actedOn: 0, actedOnRate: null });
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
  it('writes a row per day and per repository, model and trigger that had sessions or reviews that day', () => {
    const lines = analyticsCsv(analyticsFacts(), ANALYTICS_RANGE).trimEnd().split('\r\n');
    expect(lines[0]).toBe(ANALYTICS_CSV_COLUMNS.join(','));
    const day2 = lines.filter((line) => line.startsWith('2026-11-02,'));
    // D (slack, m2, /r/app, delivered, 20 min, $1.5 unknown, 1 catch, 1 critical) and E (schedule, m1, /r/lib,
    // failed, $0.25); the review R (api, m1, /r/app: 1 critical, nothing verified or acted on) in the last 12 cells.
    const none = '0,0,0,0,0,0,0,0,,0,0,';
    const r = '1,1,0,0,0,0,0,0,,0,0,0';
    expect(day2).toEqual([
      `2026-11-02,all,,2,1,0,1,0,0,0.5,0,0,,1.75,true,1.75,,1200000,1200000,1,1,0,0,0,${r}`,
      `2026-11-02,repo,/r/app,1,1,0,0,0,0,1,0,0,,1.5,true,1.5,,1200000,1200000,1,1,0,0,0,${r}`,
      `2026-11-02,repo,/r/lib,1,0,0,1,0,0,0,0,0,,0.25,false,,,,,0,0,0,0,0,${none}`,
      `2026-11-02,model,m1,1,0,0,1,0,0,0,0,0,,0.25,false,,,,,0,0,0,0,0,${r}`,
      `2026-11-02,model,m2,1,1,0,0,0,0,1,0,0,,1.5,true,1.5,,1200000,1200000,1,1,0,0,0,${none}`,
      `2026-11-02,trigger,schedule,1,0,0,1,0,0,0,0,0,,0.25,false,,,,,0,0,0,0,0,${none}`,
      `2026-11-02,trigger,slack,1,1,0,0,0,0,1,0,0,,1.5,true,1.5,,1200000,1200000,1,1,0,0,0,${none}`,
      // A trigger with a review and no session: zero sessions, the review's numbers.
      `2026-11-02,trigger,api,0,0,0,0,0,0,,0,0,,0,false,,,,,0,0,0,0,0,${r}`,
    ]);
    // R2 on day 1: 1 major (verified), 1 minor (downgraded), 1 nit, 1 dropped; 2 of 3 acted on, 1 fixed.
    expect(lines.find((line) => line.startsWith('2026-11-01,repo,acme/app,'))).toBe(
      '2026-11-01,repo,acme/app,0,0,0,0,0,0,,0,0,,0,false,,,,,0,0,0,0,0,1,0,1,1,1,1,1,1,0.333333,2,1,0.666667',
    );
    // 3 days × 1 `all` row + day 1: 3 repos (acme/app: R2), 2 models, 3 triggers; day 2: 7 (api: R);
    // day 3: 2 repos, 2 models (m2: R3), 3 triggers (github: R3).
    expect(lines).toHaveLength(1 + 3 + 8 + 7 + 7);
  });
});
