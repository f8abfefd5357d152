import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server/start-server.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

/** The settings page's Spend limits section in real Chromium against the real control plane. */
describe.skipIf(!HAS_CHROMIUM)('spend limits in the web settings', { timeout: 90_000 }, () => {
  let webRoot: string;
  let harness: Harness;
  let server: RunningServer;

  beforeAll(async () => {
    webRoot = await buildWeb();
    harness = await createHarness();
    await harness.register();
    // The server's own limit, as DRYDOCK_SPEND_LIMIT_DAILY_USD=20 sets it, and $3.50 spent today.
    harness.deps.spendLimits = [{ scope: 'global', period: 'day', amountUsd: 20, source: 'env' }];
    const spent = await harness.store.reserveSpend({
      sessionId: 'earlier',
      repo: harness.repo,
      estimateUsd: 3.5,
    });
    if (spent.ok) await harness.store.settleSpend(spent.id, 3.5);
    server = await startTestServer(harness, { workerPollMs: 100, webRoot });
  }, 120_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });
  const signIn = async (role: 'member' | 'admin') => {
    const page = await pages.newPage();
    await page.goto(`${server.url}/#token=${harness.tokens[role]}`);
    await page.locator('table.sessions, .empty').first().waitFor();
    await page.goto(`${server.url}/settings`);
    await page.locator('section[data-section="repos"]').waitFor();
    return page;
  };

  it('lets an admin set a limit, shows what was spent and when it resets, refuses a bad one, and removes it', async () => {
    const page = await signIn('admin');
    const section = page.locator('section[data-section="limits"]');
    const envRow = section.locator('tr[data-limit="global day"]');
    await envRow.waitFor();
    expect(await envRow.textContent()).toContain('$3.50 of $20.00');
    expect(await envRow.textContent()).toContain('set by the server’s environment');
    expect(await envRow.locator('button').count()).toBe(0);

    // The API's refusals under their fields.
    await section.locator('#limit-amountUsd').fill('0');
    await section.getByRole('button', { name: 'Set limit' }).click();
    await section.locator('[data-field="amountUsd"] .field-error').waitFor();
    await section.locator('#limit-scope').fill('team:core');
    await section.locator('#limit-amountUsd').fill('5');
    await section.getByRole('button', { name: 'Set limit' }).click();
    await section.locator('[data-field="scope"] .field-error').waitFor();
    expect(await section.locator('[data-field="scope"] .field-error').textContent()).toContain(
      'a scope is global',
    );
    expect(await harness.store.listSpendLimits()).toEqual([]);

    await section.locator('#limit-scope').fill(`repo:${harness.repo}`);
    await section.locator('#limit-period').selectOption('month');
    await section.locator('#limit-amountUsd').fill('12.5');
    await section.getByRole('button', { name: 'Set limit' }).click();
    const row = section.locator(`tr[data-limit="repo:${harness.repo} month"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('$3.50 of $12.50');
    const nextMonth = new Date();
    nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1, 1);
    expect(await row.textContent()).toContain(`${nextMonth.toISOString().slice(0, 7)}-01 00:00 UTC`);
    expect(await harness.store.listSpendLimits()).toEqual([
      { scope: `repo:${harness.repo}`, period: 'month', amountUsd: 12.5, source: 'store' },
    ]);
    await shot(page, 'settings-spend-limits.png');

    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('button', { name: 'Confirm remove' }).click();
    await row.waitFor({ state: 'detached' });
    expect(await harness.store.listSpendLimits()).toEqual([]);
  });

  it('is not shown to members', async () => {
    const page = await signIn('member');
    expect(await page.locator('section[data-section="limits"]').count()).toBe(0);
  });
});
