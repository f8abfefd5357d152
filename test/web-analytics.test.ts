import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/core/ports/store.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { hashToken } from '../src/server/tokens.ts';
import { createRandomIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { seedAnalytics, settableClock } from './support/analytics-fixture.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

/** The Analytics page in Chromium: empty, then the hand-counted fixture drawn as charts, filtered, as CSV. */
describe.skipIf(!HAS_CHROMIUM)('analytics page in Chromium', () => {
  let harness: Harness;
  let store: Store;
  let server: RunningServer;
  const clock = settableClock();
  const member = 'dd_analytics-member';

  beforeAll(async () => {
    const webRoot = await buildWeb();
    harness = await createHarness();
    // A store whose clock the fixture sets, so events carry its times; "today" is the fixture's last day.
    store = await openSqliteStore({ path: join(harness.dir, 'analytics.db'), clock, ids: createRandomIds() });
    await store.createToken({ name: 'member', role: 'member', tokenHash: hashToken(member) });
    clock.set('2026-11-03T12:00:00.000Z');
    server = await startTestServer(
      { ...harness, deps: { ...harness.deps, store, clock } },
      { webRoot, noWorker: true },
    );
  }, 120_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await store?.close();
    await harness?.close();
  });

  const figure = (page: Page, name: string) =>
    page.locator('.analytics-figures div').filter({ hasText: name }).locator('dd').textContent();

  it('says there is nothing yet, then draws the recorded sessions, filters them and downloads them as CSV', async () => {
    const page = await pages.newPage();
    await page.goto(`${server.url}/#token=${member}`);
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.waitForURL(`${server.url}/analytics`);
    await expect.poll(() => page.locator('[data-empty]').textContent()).toContain('Nothing yet');

    await seedAnalytics(store, clock);
    clock.set('2026-11-03T12:00:00.000Z');
    // The fixture's days (the default 30 would take in Z, the day before), from the address.
    await page.goto(`${server.url}/analytics?from=2026-11-01&to=2026-11-03`);
    const outcomes = page.getByRole('img', { name: 'Sessions per day by outcome' });
    await outcomes.waitFor();
    // 2026-11-01: A and B delivered, C bowed out (stacked in one bar); 11-03: F cancelled, G running.
    const segments = (day: string) =>
      outcomes
        .locator(`[data-day="${day}"] rect`)
        .evaluateAll((els) =>
          els.map((el) => [el.getAttribute('data-outcome'), el.getAttribute('data-count')]),
        );
    expect(await segments('2026-11-01')).toEqual([
      ['delivered', '2'],
      ['bowed_out', '1'],
    ]);
    expect(await segments('2026-11-03')).toEqual([
      ['cancelled', '1'],
      ['running', '1'],
    ]);
    expect(
      await outcomes.locator('[data-day]').evaluateAll((els) => els.map((el) => el.getAttribute('data-day'))),
    ).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    expect(await figure(page, 'Delivery rate')).toBe('50%');
    expect(await figure(page, 'Merge rate')).toBe('50%');
    expect(await figure(page, 'Time to PR')).toBe('20m00s / 30m00s');
    // Findings by severity and the gate's catches, as bars.
    const findings = page.getByRole('img', { name: 'What the gate and the reviewer caught' });
    expect(
      await findings
        .locator('rect')
        .evaluateAll((els) => els.map((el) => [el.getAttribute('data-key'), el.getAttribute('data-value')])),
    ).toEqual([
      ['critical', '1'],
      ['major', '1'],
      ['minor', '1'],
      ['nit', '1'],
      ['gate', '4'],
    ]);
    const rows = (name: string) =>
      page
        .getByRole('img', { name })
        .locator('[data-row]')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-row')));
    expect(await rows('Per trigger')).toEqual(['api', 'cli', 'github', 'hook', 'schedule', 'slack']);
    // The time to PR line: D's day (20 minutes) and A's and B's (10 and 30: p50 10, p95 30).
    const p95 = page
      .getByRole('img', { name: 'Time to PR per day (minutes)' })
      .locator('[data-series="p95"] circle');
    expect(
      await p95.evaluateAll((els) =>
        els.map((el) => [el.getAttribute('data-day'), el.getAttribute('data-value')]),
      ),
    ).toEqual([
      ['2026-11-01', '30'],
      ['2026-11-02', '20'],
    ]);
    // The Reviews block: R, R2 and R3 (counted by hand in src/core/analytics.test.ts).
    const reviews = page.locator('[data-reviews]');
    const reviewFigure = (name: string) =>
      reviews.locator('.analytics-figures div').filter({ hasText: name }).locator('dd').textContent();
    expect(await reviewFigure('Reviews')).toBe('3');
    expect(await reviewFigure('Findings')).toBe('5');
    expect(await reviewFigure('Verified share')).toBe('33.3%');
    expect(await reviewFigure('Acted-on rate')).toBe('60%');
    const bars = (name: string, row: string) =>
      page
        .getByRole('img', { name })
        .locator(`[data-row="${row}"] rect`)
        .evaluateAll((els) => els.map((el) => [el.getAttribute('data-key'), el.getAttribute('data-value')]));
    expect(await bars('Review findings by severity', 'all reviews')).toEqual([
      ['critical', '1'],
      ['major', '1'],
      ['minor', '1'],
      ['nit', '2'],
    ]);
    expect(await bars('Review findings by severity', 'acme/app')).toEqual([
      ['major', '1'],
      ['minor', '1'],
      ['nit', '2'],
    ]);
    expect(await bars('Evidence and what became of the findings', 'findings')).toEqual([
      ['fixed', '1'],
      ['resolved', '2'],
      ['open', '2'],
    ]);
    await shot(page, 'analytics.png', true);

    // A filter goes into the address and the charts; the CSV link downloads what is shown.
    await page.locator('select[name="repo"]').selectOption('/r/lib');
    await page.waitForURL(/repo=%2Fr%2Flib/);
    await expect.poll(() => figure(page, 'Sessions')).toBe('2');
    expect(await page.locator('[data-reviews]').count()).toBe(0); // no reviews of /r/lib
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-csv-link]').click(),
    ]);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    // 3 days of `all` rows, and for C's day and E's day a row per repository, model and trigger.
    expect(lines).toHaveLength(1 + 3 + 3 + 3);
    const noReviews = '0,0,0,0,0,0,0,0,,0,0,';
    expect(lines).toContain(`2026-11-01,repo,/r/lib,1,0,1,0,0,0,0,0,0,,0.5,false,,,,,2,0,0,0,0,${noReviews}`);
    expect(lines).toContain(
      `2026-11-02,trigger,schedule,1,0,0,1,0,0,0,0,0,,0.25,false,,,,,0,0,0,0,0,${noReviews}`,
    );
    expect(download.suggestedFilename()).toBe('drydock-analytics-2026-11-01-2026-11-03.csv');

    // On a phone the charts stack and nothing is wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/analytics?from=2026-11-01&to=2026-11-03`);
    await outcomes.waitFor();
    const { scrollWidth } = await page.evaluate<{ scrollWidth: number }>(
      '({ scrollWidth: document.documentElement.scrollWidth })',
    );
    expect(scrollWidth).toBeLessThanOrEqual(390);
    await shot(page, 'analytics-phone.png');
  });
});
