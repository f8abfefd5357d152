import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server/start-server.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

// Line 3 holds a key a playbook does not have ("descripton"), so the server names line 3.
const MISSPELT = `---
description: Bump a dependency
descripton: typo
inputs:
  package:
    description: the package to bump
    required: true
---
1. Upgrade {{package}} and fix what breaks.
`;

/** The settings page's Playbooks section in real Chromium against the real control plane. */
describe.skipIf(!HAS_CHROMIUM)('server playbooks in the web settings', { timeout: 90_000 }, () => {
  let harness: Harness;
  let server: RunningServer;

  beforeAll(async () => {
    const webRoot = await buildWeb();
    harness = await createHarness();
    await harness.register();
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
    await page.locator('section[data-section="playbooks"]').waitFor();
    return page;
  };

  it('shows an admin the error naming the line, then lists the fixed playbook, and deletes it', async () => {
    const page = await signIn('admin');
    const section = page.locator('section[data-section="playbooks"]');
    await section.locator('.empty').waitFor();

    await section.locator('#playbook-name').fill('dep-bump');
    await section.locator('#playbook-text').fill(MISSPELT);
    await section.getByRole('button', { name: 'Save playbook' }).click();
    const fieldError = section.locator('[data-field="text"] .field-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain('playbook dep-bump line 3: unknown key "descripton"');
    expect(await section.locator('[role=alert]').count()).toBe(0);
    expect(await harness.store.listPlaybooks()).toEqual([]);
    await shot(page, 'settings-playbook-error.png');

    await section.locator('#playbook-text').fill(MISSPELT.replace('descripton: typo\n', ''));
    expect(await fieldError.count()).toBe(0);
    await section.getByRole('button', { name: 'Save playbook' }).click();
    const row = section.locator('tr[data-playbook="dep-bump"]');
    await row.waitFor();
    expect(await row.locator('[data-label="Description"]').textContent()).toBe('Bump a dependency');
    expect(await row.locator('[data-input="package"]').textContent()).toBe('package*');
    expect(await row.locator('[data-input="package"]').getAttribute('title')).toBe('the package to bump');
    expect(await section.locator('#playbook-text').inputValue()).toBe('');
    expect((await harness.store.listPlaybooks()).map((playbook) => playbook.name)).toEqual(['dep-bump']);
    await shot(page, 'settings-playbooks.png');

    await row.getByRole('button', { name: 'Delete' }).click();
    expect(await harness.store.getPlaybook('dep-bump')).not.toBeNull();
    await row.getByRole('button', { name: 'Confirm delete' }).click();
    await row.waitFor({ state: 'detached' });
    expect(await harness.store.listPlaybooks()).toEqual([]);
  });

  it('shows a member the list with no buttons and a note', async () => {
    await harness.store.putPlaybook({
      name: 'tidy',
      text: '---\ndescription: Tidy the imports\n---\nSort the imports.\n',
      updatedBy: 'admin token',
    });
    const page = await signIn('member');
    const section = page.locator('section[data-section="playbooks"]');
    await section.locator('tr[data-playbook="tidy"]').waitFor();
    expect(await section.locator('tr[data-playbook="tidy"]').textContent()).toContain('Tidy the imports');
    expect(await section.locator('button').count()).toBe(0);
    expect(await section.locator('form').count()).toBe(0);
    expect(await section.getByTestId('playbooks-admin-note').textContent()).toContain('Only admins');
  });
});
