import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../src/environments/secret-box.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createLinearTracker } from '../src/trackers/linear-tracker.ts';
import { type FakeJira, startFakeJira } from './fakes/fake-jira.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

const JIRA_AUTH = { email: 'drydock@example.com', apiToken: `jira-${randomBytes(12).toString('hex')}` };
const JIRA_SECRET = `jira-whsec-${randomBytes(12).toString('hex')}`;
const NEW_SECRET = `jira-whsec-${randomBytes(12).toString('hex')}`;

/** Settings → Trackers → Connections in real Chromium: connect Jira (checked against a fake), secrets write-only. */
describe.skipIf(!HAS_CHROMIUM)('tracker connections in Chromium', () => {
  let harness: Harness;
  let server: RunningServer;
  let jira: FakeJira;
  const box = createSecretBox(Buffer.alloc(32, 8));

  beforeAll(async () => {
    const webRoot = await buildWeb();
    harness = await createHarness();
    jira = await startFakeJira(JIRA_AUTH);
    server = await startTestServer(harness, {
      webRoot,
      triggers: {
        forge: null,
        githubWebhookSecret: null,
        publicUrl: 'http://drydock.test',
        secrets: box,
        // Linear from the environment (never called here): read-only in the page.
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
    await jira?.close();
    await harness?.close();
  });
  const signIn = async (role: 'member' | 'admin') => {
    const page = await pages.newPage();
    await page.goto(`${server.url}/#token=${harness.tokens[role]}`);
    await page.locator('table.sessions, .empty').first().waitFor();
    await page.goto(`${server.url}/settings`);
    await page.locator('section[data-section="trackers"] li[data-tracker="jira"]').waitFor();
    return page;
  };

  it('connects Jira after checking its credentials, shows its secrets only as set, replaces one, and disconnects', async () => {
    const page = await signIn('admin');
    const linear = page.locator('form[data-connection="linear"]');
    await linear.waitFor();
    expect(await linear.locator('[data-status="env"]').textContent()).toContain("server's environment");
    expect(await linear.locator('#connection-linear-handle').inputValue()).toBe('drydock');
    expect(await linear.locator('#connection-linear-handle').isDisabled()).toBe(true);
    expect(await linear.locator('[data-secret="apiKey"]').getByRole('button').count()).toBe(0);
    expect(await linear.getByRole('button', { name: /connect|save/i }).count()).toBe(0);

    const form = page.locator('form[data-connection="jira"]');
    expect(await form.locator('[data-status="none"]').textContent()).toContain('Not connected');
    await form.locator('#connection-jira-url').fill(jira.url);
    await form.locator('#connection-jira-email').fill(JIRA_AUTH.email);
    await form.locator('#connection-jira-apiToken').fill('not-the-token');
    await form.locator('#connection-jira-webhookSecret').fill(JIRA_SECRET);
    await form.getByRole('button', { name: 'Connect' }).click();
    // Jira refused the token: said above the form, nothing stored.
    await form
      .locator('.error, [role="alert"]')
      .filter({ hasText: 'Jira did not accept these credentials' })
      .waitFor();
    expect(await harness.store.getTrackerConnection('jira')).toBeNull();

    await form.locator('#connection-jira-apiToken').fill(JIRA_AUTH.apiToken);
    await form.getByRole('button', { name: 'Connect' }).click();
    await form.locator('[data-status="stored"]').waitFor();
    const stored = await harness.store.getTrackerConnection('jira');
    expect(stored?.settings).toEqual({ url: jira.url, email: JIRA_AUTH.email, label: 'drydock' });
    expect(box.open(stored?.sealed.apiToken ?? '')).toBe(JIRA_AUTH.apiToken);
    // Write-only: "set" and a Replace button, the value nowhere in the page.
    expect(await form.locator('[data-secret="apiToken"]').textContent()).toContain('set');
    const html = await page.content();
    expect(html).not.toContain(JIRA_AUTH.apiToken);
    expect(html).not.toContain(JIRA_SECRET);
    await shot(page, 'settings-tracker-connections.png');

    // Replace one secret: the other stays sealed as it was.
    const sealedToken = stored?.sealed.apiToken;
    await form.locator('[data-secret="webhookSecret"]').getByRole('button', { name: 'Replace' }).click();
    await form.locator('#connection-jira-webhookSecret').fill(NEW_SECRET);
    await form.getByRole('button', { name: 'Save' }).click();
    await form.locator('[data-secret="webhookSecret"]').waitFor();
    const replaced = await harness.store.getTrackerConnection('jira');
    expect(box.open(replaced?.sealed.webhookSecret ?? '')).toBe(NEW_SECRET);
    expect(replaced?.sealed.apiToken).toBe(sealedToken);

    await form.getByRole('button', { name: 'Disconnect' }).click();
    await form.getByRole('button', { name: /confirm/i }).click();
    await form.locator('[data-status="none"]').waitFor();
    expect(await harness.store.getTrackerConnection('jira')).toBeNull();
  });

  it('is not shown to members, who see only which trackers are configured', async () => {
    const page = await pages.newPage();
    await page.goto(`${server.url}/#token=${harness.tokens.member}`);
    await page.locator('table.sessions, .empty').first().waitFor();
    const refused = page.waitForResponse((response) => response.url().endsWith('/api/trackers/connections'));
    await page.goto(`${server.url}/settings`);
    expect((await refused).status()).toBe(403);
    await page.locator('section[data-section="trackers"] li[data-tracker="linear"]').waitFor();
    expect(
      await page.locator('section[data-section="trackers"] li[data-tracker="linear"]').textContent(),
    ).toContain('/webhooks/linear');
    expect(await page.locator('form[data-connection]').count()).toBe(0);
  });
});
