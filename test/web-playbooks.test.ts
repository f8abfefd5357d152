import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { git } from '../src/forge/git.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

const FIX_FUNCTION = `---
description: Fix a function whose test fails
inputs:
  function:
    description: the function to fix
    required: true
  file:
    description: where it lives
    default: src/stats.js
---
1. Run the tests and read what fails in {{function}}.
2. Fix {{function}} in {{file}}.
`;

/** The new-task form's playbooks in real Chromium: offered for the repository, inputs as fields, their errors. */
describe.skipIf(!HAS_CHROMIUM)('web new-task form with playbooks', () => {
  let harness: Harness;
  let server: RunningServer;

  beforeAll(async () => {
    const webRoot = await buildWeb();
    harness = await createHarness();
    await mkdir(join(harness.repo, '.drydock', 'playbooks'), { recursive: true });
    await writeFile(join(harness.repo, '.drydock', 'playbooks', 'fix-function.md'), FIX_FUNCTION);
    await git(['add', '--all'], { cwd: harness.repo });
    await git(['commit', '--quiet', '-m', 'A playbook'], { cwd: harness.repo });
    await harness.register();
    server = await startTestServer(harness, { webRoot });
  }, 180_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });

  it('offers the playbook, shows its inputs, says a missing one under the form, and starts it', async () => {
    const page = await pages.newPage({});
    await page.goto(`${server.url}/#token=${harness.tokens.member}`);
    await page.locator('table.sessions, .empty').first().waitFor();
    await page.getByRole('link', { name: 'New task' }).click();
    await page.getByLabel('Repository').selectOption(harness.repo);
    await page.locator('#field-playbook').waitFor();
    await page.locator('#field-playbook').selectOption('fix-function');
    expect(await page.locator('#field-input-file').getAttribute('placeholder')).toBe('src/stats.js');
    expect(await page.locator('[data-field=input-function] label').textContent()).toContain(
      'required: the function to fix',
    );
    expect(await page.locator('[data-field=task] label').textContent()).toContain('Note');

    await page.getByRole('button', { name: 'Start session' }).click();
    await page.locator('.field-error[data-field=inputs]').waitFor();
    expect(await page.locator('.field-error[data-field=inputs]').textContent()).toContain('needs "function"');
    await shot(page, 'forms-new-task-playbook.png');

    await page.locator('#field-input-function').fill('mean');
    await page.getByRole('button', { name: 'Start session' }).click();
    await page.waitForURL(/\/sessions\/[^/]+$/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1) ?? '');
    const session = await harness.store.getSession(id);
    expect(session?.task).toContain('2. Fix mean in src/stats.js.');
    const events = await harness.store.listEvents(id);
    expect(events.map((event) => event.data.type)).toContain('playbook.applied');
  }, 180_000);
});
