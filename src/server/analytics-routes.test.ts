import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANALYTICS_RANGE,
  ANALYTICS_SESSIONS,
  seedAnalytics,
  settableClock,
} from '../../test/support/analytics-fixture.ts';
import { conformingRequest } from '../../test/support/openapi-conformance.ts';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import type { AnalyticsReport } from '../core/analytics.ts';
import type { Store, TokenRole } from '../core/ports/store.ts';
import { createRandomIds } from '../store/ids.ts';
import { openPostgresStore } from '../store/postgres-store.ts';
import { postgresTestDatabases } from '../store/postgres-test-databases.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { analyticsRange, repoLabel } from './analytics-routes.ts';
import { createApp } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';
import { hashToken } from './tokens.ts';

const MIN = 60_000;
const postgres = postgresTestDatabases('drydock_analytics');

type OpenStore = (clock: ReturnType<typeof settableClock>, dir: string) => Promise<Store>;

const backends: Array<[string, OpenStore]> = [
  [
    'SQLite',
    (clock, dir) => openSqliteStore({ path: join(dir, 'analytics.db'), clock, ids: createRandomIds() }),
  ],
  [
    'Postgres',
    async (clock) =>
      openPostgresStore({ connectionString: await postgres.fresh(), clock, ids: createRandomIds() }),
  ],
];

describe.each(backends)('/api/analytics on %s', (_name, openStore) => {
  let h: Harness;
  let store: Store;
  let clock: ReturnType<typeof settableClock>;
  let request: ReturnType<typeof conformingRequest>;
  const tokens: Record<TokenRole, string> = { viewer: 'dd_v', member: 'dd_m', admin: 'dd_a' };

  beforeEach(async () => {
    h = await createHarness();
    clock = settableClock();
    store = await openStore(clock, h.dir);
    for (const role of ['viewer', 'member', 'admin'] as const) {
      await store.createToken({ name: role, role, tokenHash: hashToken(tokens[role]) });
    }
    const app = createApp({
      sessions: { ...h.deps, store, clock },
      bus: createInProcessEventBus(),
      control: {
        wake: async () => {},
        cancel: async () => {
          throw new Error('unused');
        },
      },
      defaultModel: 'script:demo',
      allowScriptModels: false,
      version: '0.0.0-test',
    });
    request = conformingRequest(app);
  });
  afterEach(async () => {
    await store.close();
    await h.close();
  });

  const get = (path: string, role: TokenRole = 'member') =>
    request(path, { headers: { authorization: `Bearer ${tokens[role]}` } });
  const range = `from=${ANALYTICS_RANGE.from}&to=${ANALYTICS_RANGE.to}`;

  it('answers an empty store with an empty report for members, and refuses viewers', async () => {
    clock.set('2026-11-03T12:00:00.000Z');
    expect((await get('/api/analytics', 'viewer')).status).toBe(403);
    const response = await get('/api/analytics');
    expect(response.status).toBe(200);
    const report = (await response.json()) as {
      from: string;
      to: string;
      totals: { sessions: number };
      days: unknown[];
    };
    // The default range: the 30 days up to today.
    expect(report).toMatchObject({ from: '2026-10-05', to: '2026-11-03', totals: { sessions: 0 } });
    expect(report.days).toHaveLength(30);
  });

  it('counts the recorded sessions and events as the hand count says', async () => {
    await seedAnalytics(store, clock);
    const response = await get(`/api/analytics?${range}`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as AnalyticsReport;
    // The same numbers as src/core/analytics.test.ts counts by hand, from the store's events this time.
    expect(report.totals).toMatchObject({
      sessions: 7,
      outcomes: { delivered: 3, bowed_out: 1, failed: 1, cancelled: 1, running: 1 },
      deliveryRate: 0.5,
      pulls: { merged: 1, closed: 1 },
      mergeRate: 0.5,
      costUsd: 5.25,
      costUnknown: true,
      timeToPrMs: { p50: 20 * MIN, p95: 30 * MIN },
      gateCatches: 4,
      findings: { critical: 1, major: 1, minor: 1, nit: 1 },
    });
    expect(report.reviews).toBe(3);
    // R, R2 and R3's findings, read back with the findings acted on recorded after they ended.
    expect(report.review.totals).toEqual({
      reviews: 3,
      findings: { critical: 1, major: 1, minor: 1, nit: 2 },
      verified: 1,
      downgraded: 1,
      dropped: 1,
      actedOn: 3,
      fixedByDrydock: 1,
      verifiedShare: 1 / 3,
      actedOnRate: 3 / 5,
    });
    expect(report.review.breakdowns.trigger.map((group) => [group.key, group.reviews])).toEqual([
      ['github', 2],
      ['api', 1],
    ]);
    const filtered = (await (
      await get(`/api/analytics?${range}&repo=/r/lib&trigger=schedule`)
    ).json()) as AnalyticsReport;
    // E alone: /r/lib from a schedule, failed.
    expect(filtered.totals).toMatchObject({ sessions: 1, outcomes: { failed: 1 }, costUsd: 0.25 });
  });

  it('exports a CSV row per day and per repository, model and trigger of the day', async () => {
    await seedAnalytics(store, clock);
    const response = await get(`/api/analytics.csv?${range}&model=m2`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(response.headers.get('content-disposition')).toContain(
      'drydock-analytics-2026-11-01-2026-11-03.csv',
    );
    const lines = (await response.text()).trimEnd().split('\r\n');
    // m2: C (11-01, /r/lib, cli, bowed out, $0.5, 2 catches) and D (11-02, /r/app, slack, delivered in 20 min);
    // the review R3 (11-03, acme/app, github: a nit, acted on).
    const none = '0,0,0,0,0,0,0,0,,0,0,';
    const r3 = '0,0,0,0,0,0,,0,0,,0,false,,,,,0,0,0,0,0,1,0,0,0,1,0,0,0,,1,0,1';
    expect(lines.slice(1)).toEqual([
      `2026-11-01,all,,1,0,1,0,0,0,0,0,0,,0.5,false,,,,,2,0,0,0,0,${none}`,
      `2026-11-01,repo,/r/lib,1,0,1,0,0,0,0,0,0,,0.5,false,,,,,2,0,0,0,0,${none}`,
      `2026-11-01,model,m2,1,0,1,0,0,0,0,0,0,,0.5,false,,,,,2,0,0,0,0,${none}`,
      `2026-11-01,trigger,cli,1,0,1,0,0,0,0,0,0,,0.5,false,,,,,2,0,0,0,0,${none}`,
      `2026-11-02,all,,1,1,0,0,0,0,1,0,0,,1.5,true,1.5,,1200000,1200000,1,1,0,0,0,${none}`,
      `2026-11-02,repo,/r/app,1,1,0,0,0,0,1,0,0,,1.5,true,1.5,,1200000,1200000,1,1,0,0,0,${none}`,
      `2026-11-02,model,m2,1,1,0,0,0,0,1,0,0,,1.5,true,1.5,,1200000,1200000,1,1,0,0,0,${none}`,
      `2026-11-02,trigger,slack,1,1,0,0,0,0,1,0,0,,1.5,true,1.5,,1200000,1200000,1,1,0,0,0,${none}`,
      `2026-11-03,all,,${r3}`,
      `2026-11-03,repo,acme/app,${r3}`,
      `2026-11-03,model,m2,${r3}`,
      `2026-11-03,trigger,github,${r3}`,
    ]);
  });

  it('names a forge repository owner/name, and refuses a backwards or too long range', async () => {
    const clone = join(h.deps.home, 'repos', 'acme', 'app');
    const first = ANALYTICS_SESSIONS[0];
    if (!first) throw new Error('the fixture has sessions');
    clock.set('2026-11-10T09:00:00.000Z');
    await store.createSession({ ...first, id: 'forge', repo: clone, createdAt: '2026-11-10T09:00:00.000Z' });
    const report = (await (
      await get('/api/analytics?from=2026-11-10&to=2026-11-10&repo=acme/app')
    ).json()) as AnalyticsReport;
    expect(report.totals.sessions).toBe(1);
    expect(report.choices.repo).toEqual(['acme/app']);
    const backwards = await get('/api/analytics?from=2026-11-03&to=2026-11-01');
    expect(backwards.status).toBe(400);
    expect(((await backwards.json()) as { error: { code: string } }).error.code).toBe('bad_analytics_range');
    expect((await get('/api/analytics?from=2024-01-01&to=2026-01-01')).status).toBe(400);
    expect((await get('/api/analytics?from=yesterday')).status).toBe(400);
  });
});

describe('analytics query helpers', () => {
  it('fills in the last 30 days and labels only clones as owner/name', () => {
    expect(analyticsRange({ to: '2026-03-01' }, new Date())).toEqual({
      from: '2026-01-31',
      to: '2026-03-01',
    });
    expect(repoLabel('/home/d/repos/', '/home/d/repos/acme/app')).toBe('acme/app');
    expect(repoLabel('/home/d/repos/', '/work/app')).toBe('/work/app');
  });
});
