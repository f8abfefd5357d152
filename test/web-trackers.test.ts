import { beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../src/environments/secret-box.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createLinearTracker } from '../src/trackers/linear-tracker.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

/** Settings → Trackers in real Chromium: which trackers are configured, mapping a team, errors, removing it. */
describe.skipIf(!HAS_CHROMIUM)('tracker settings in Chromium', () => {
  let harness: Harness;
  let server: RunningServer;

  beforeAll(async () => {
    const webRoot = await buildWeb();
    harness = await createHarness();
    await harness.register();
    server = await startTestServer(harness, {
      webRoot,
      triggers: {
        forge: null,
        githubWebhookSecret: null,
        publicUrl: 'http://drydock.test',
        secrets: createSecretBox(Buffer.alloc(32, 7)),
        // Linear configured (never called here), Jira not.
        trackers: {
          linear: {
            tracker: createLinearTracker({ apiKey: 'lin_api_unused', apiUrl: 'http://127.0.0.1:9/graphql' }),
            webhookSecret: 'secret',
            handle: 'drydock',
          },
        },
      },
    });
  }, 120_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });

  it('shows which trackers take webhooks, maps a Linear team to a repository with its states, refuses an unregistered one, and removes the mapping', async () => {
    const page = await pages.newPage();
    await page.goto(`${server.url}/#token=${harness.tokens.admin}`);
    await page.locator('table.sessions, .empty').first().waitFor();
    await page.goto(`${server.url}/settings`);
    const section = page.locator('section[data-section="trackers"]');
    await section.locator('li[data-tracker="linear"]').waitFor();
    expect(await section.locator('li[data-tracker="linear"]').textContent()).toContain('/webhooks/linear');
    expect(await section.locator('li[data-tracker="jira"]').textContent()).toContain('not connected');
    expect(await section.locator('.empty').textContent()).toContain('No teams or projects mapped');

    // An unregistered repository: the error under the field, nothing stored.
    await section.locator('#tracker-project').fill('ENG');
    await section.locator('#tracker-repo').fill('/srv/not-registered');
    await section.getByRole('button', { name: 'Map' }).click();
    await section.locator('[aria-invalid="true"]#tracker-repo').waitFor();
    expect(await harness.store.listTrackerMappings()).toEqual([]);

    await section.locator('#tracker-repo').fill(harness.repo);
    await section.locator('#tracker-delivered').fill('Ready for Review');
    await section.getByRole('button', { name: 'Map' }).click();
    const row = section.locator('tr[data-mapping="linear:ENG"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('In Progress → Ready for Review');
    expect(await harness.store.getTrackerMapping('linear', 'ENG')).toMatchObject({
      repo: harness.repo,
      states: { started: 'In Progress', delivered: 'Ready for Review' },
      createdBy: 'admin token',
    });
    await shot(page, 'settings-trackers.png');

    // Delete asks for a second click.
    await row.getByRole('button', { name: /delete/i }).click();
    await row.getByRole('button', { name: /delete|confirm|sure/i }).click();
    await row.waitFor({ state: 'detached' });
    expect(await harness.store.listTrackerMappings()).toEqual([]);
  });
});
