import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../src/environments/secret-box.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { initRepository } from './support/git-repository.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

/**
 * The settings page in real Chromium against the real control plane: schedules and webhooks, and the
 * registered repositories. No session runs here (web-ui.test.ts follows one end to end).
 */
describe.skipIf(!HAS_CHROMIUM)('settings page in Chromium', () => {
  let webRoot: string;
  let harness: Harness;
  let server: RunningServer;

  beforeAll(async () => {
    webRoot = await buildWeb();
    harness = await createHarness();
    await harness.register();
    server = await startTestServer(harness, {
      workerPollMs: 200,
      webRoot,
      // Schedules, hooks and Slack channels for the settings page.
      triggers: {
        forge: null,
        githubWebhookSecret: null,
        publicUrl: 'http://drydock.test',
        secrets: createSecretBox(Buffer.alloc(32, 5)),
      },
    });
  }, 120_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });
  const newPage = pages.newPage;

  it('creates, pauses, resumes and deletes a schedule on the settings page; webhooks are for admins and never show secrets', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/#token=${harness.tokens.member}`);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/settings$/);
    const schedules = page.locator('[data-section=schedules]');
    await schedules.getByText('No schedules yet.').waitFor();
    // A member sees that webhooks are not theirs to manage.
    await page.getByText('only admins see and manage them').waitFor();

    // The API's field error for a bad cron shows under the field; nothing is created.
    const form = page.getByRole('form', { name: 'New schedule' });
    await form.getByLabel(/^Name/).fill('yearly-deps');
    await form.getByLabel('Cron').fill('99 * * * *');
    await form.getByLabel('Repository').fill(harness.repo);
    await form.getByLabel('Task').fill('Update the dependencies and fix what breaks.');
    await form.getByRole('button', { name: 'Add schedule' }).click();
    await form.locator('[data-field=cron] .field-error').waitFor();
    expect(await harness.store.listTriggers('schedule')).toEqual([]);

    await form.getByLabel('Cron').fill('0 0 1 1 *');
    await form.getByLabel('Time zone').fill('Europe/Berlin');
    await form.getByRole('button', { name: 'Add schedule' }).click();
    const row = schedules.locator('tr[data-schedule="yearly-deps"]');
    await row.waitFor();
    await expect.poll(() => row.textContent()).toContain('0 0 1 1 *');
    expect(await row.textContent()).toContain('Europe/Berlin');
    expect(await row.textContent()).toContain('Update the dependencies');
    await expect.poll(() => row.locator('[data-status]').getAttribute('data-status')).toBe('active');
    const [stored] = await harness.store.listTriggers('schedule');
    expect(stored).toMatchObject({ name: 'yearly-deps', config: { cron: '0 0 1 1 *', repo: harness.repo } });

    await row.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => row.locator('[data-status]').getAttribute('data-status')).toBe('paused');
    await row.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => row.locator('[data-status]').getAttribute('data-status')).toBe('active');
    await shot(page, 'settings.png', true);
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Confirm delete' }).click();
    await schedules.getByText('No schedules yet.').waitFor();
    expect(await harness.store.listTriggers('schedule')).toEqual([]);

    // An admin adds a webhook: listed with "set" for its secret, and the secret appears nowhere on the page.
    const admin = await newPage();
    await admin.goto(`${server.url}/#token=${harness.tokens.admin}`);
    await admin.goto(`${server.url}/settings`);
    const hookForm = admin.getByRole('form', { name: 'New webhook' });
    await hookForm.getByLabel(/^Name/).fill('alerts');
    await hookForm.getByLabel(/^Secret/).fill('a-webhook-secret-0123456789');
    await hookForm.getByLabel('Repository').fill(harness.repo);
    await hookForm.getByLabel('Task template').fill('Investigate: {{ payload.alert.title }}');
    await hookForm.getByRole('button', { name: 'Add webhook' }).click();
    const hookRow = admin.locator('tr[data-hook="alerts"]');
    await hookRow.waitFor();
    expect(await hookRow.textContent()).toContain('set');
    expect(await admin.content()).not.toContain('a-webhook-secret-0123456789');
  }, 120_000);

  it('lists registered repositories to everyone; admins register and remove them; the new-task form offers them', async () => {
    const second = join(harness.dir, 'second');
    await mkdir(second);
    initRepository(second);

    // A member sees the list, and no form.
    const page = await newPage();
    await page.goto(`${server.url}/#token=${harness.tokens.member}`);
    await page.goto(`${server.url}/settings`);
    const repos = page.locator('[data-section=repos]');
    await repos.locator(`tr[data-repo="${harness.repo}"]`).waitFor();
    await repos.getByTestId('repos-admin-note').waitFor();
    expect(await page.getByRole('form', { name: 'Register a repository' }).count()).toBe(0);

    // An admin: a path the server refuses shows its error under the field, saying nothing of the server's cwd.
    const admin = await newPage();
    await admin.goto(`${server.url}/#token=${harness.tokens.admin}`);
    await admin.goto(`${server.url}/settings`);
    const form = admin.getByRole('form', { name: 'Register a repository' });
    await form.getByLabel('Repository').fill('/proc/self/cwd');
    await form.getByRole('button', { name: 'Register' }).click();
    const fieldError = form.locator('[data-field=repo] .field-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain('system path');
    expect(await admin.content()).not.toContain(process.cwd());
    await form.getByLabel('Repository').fill(second);
    await form.getByRole('button', { name: 'Register' }).click();
    const row = admin.locator(`[data-section=repos] tr[data-repo="${second}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('admin token');
    await shot(admin, 'settings-repos.png', true);

    // A GitHub repository's pull requests are reviewed once an admin turns it on (local ones have none).
    await harness.register('acme/app');
    const forgeRow = admin.locator('[data-section=repos] tr[data-repo="acme/app"]');
    await admin.reload();
    await forgeRow.waitFor();
    expect(await row.locator('input[name=review-pull-requests]').count()).toBe(0);
    const review = forgeRow.getByRole('checkbox', { name: 'review pull requests' });
    expect(await review.isChecked()).toBe(false);
    // The box follows the server: it shows the setting once the API has changed it.
    await review.click();
    await expect.poll(async () => (await harness.store.findRepo('acme/app'))?.review.pullRequests).toBe(true);
    await expect.poll(() => review.isChecked()).toBe(true);
    await page.reload();
    await expect
      .poll(() =>
        page
          .locator('[data-section=repos] tr[data-repo="acme/app"] [data-testid=review-pull-requests]')
          .textContent(),
      )
      .toBe('on');
    await review.click();
    await expect
      .poll(async () => (await harness.store.findRepo('acme/app'))?.review.pullRequests)
      .toBe(false);
    await expect.poll(() => review.isChecked()).toBe(false);
    await harness.store.deleteRepo((await harness.store.findRepo('acme/app'))!.id);

    // The new-task form offers it.
    await admin.getByRole('link', { name: 'New task' }).click();
    await expect
      .poll(() =>
        admin
          .locator('select[name=repo] option')
          .evaluateAll((els) => els.map((el) => el.getAttribute('value'))),
      )
      .toEqual(['', harness.repo, second]);

    // Removed: gone from the list and from the form.
    await admin.goto(`${server.url}/settings`);
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('button', { name: 'Confirm remove' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await harness.store.listRepos()).map((repo) => repo.repo)).toEqual([harness.repo]);
  }, 120_000);
});
