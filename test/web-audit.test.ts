import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server/start-server.ts';
import { hashToken } from '../src/server/tokens.ts';
import { sendMessage } from '../src/sessions/follow-ups.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, useChromium } from './support/web-browser.ts';

const ALICE = 'dd_alice-secret';

/**
 * Issue 20's audit log page and attribution in real Chromium against the real control plane (no worker:
 * the sessions stay queued): who sent each follow-up in the timeline, the admin-only page with its
 * filters and paging.
 */
describe.skipIf(!HAS_CHROMIUM)('audit log and attribution in Chromium', () => {
  let harness: Harness;
  let server: RunningServer;
  let sessionId: string;

  beforeAll(async () => {
    const webRoot = await buildWeb();
    harness = await createHarness();
    await harness.register();
    await harness.store.createToken({ name: 'alice', role: 'member', tokenHash: hashToken(ALICE) });
    server = await startTestServer(harness, { noWorker: true, webRoot });
    const post = async (path: string, secret: string, body: unknown) => {
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.ok).toBe(true);
      return (await response.json()) as { id: string };
    };
    ({ id: sessionId } = await post('/api/sessions', ALICE, { repo: harness.repo, task: 'Fix mean()' }));
    await post(`/api/sessions/${sessionId}/messages`, ALICE, { text: 'Also cover the empty list.' });
    // As the GitHub trigger records a comment on drydock's pull request (github-webhook.ts).
    await sendMessage(
      harness.store,
      sessionId,
      'Keep the old name as an alias.\n\n(from @octocat on GitHub)',
      { by: { id: 'github:octocat', name: 'octocat' } },
    );
    // Enough older entries for a second page.
    for (let i = 0; i < 55; i++) {
      await harness.store.appendAudit({
        actor: { id: 'cli:ops', name: 'ops (cli)' },
        action: 'repo.created',
        target: `repo-${i}`,
        details: { repo: `/srv/repo-${i}` },
        outcome: 'ok',
      });
    }
  }, 120_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });

  it('shows who sent each follow-up in the timeline: the token’s name, the GitHub user', async () => {
    const page = await pages.newPage();
    await page.goto(`${server.url}/sessions/${sessionId}#token=${harness.tokens.admin}`);
    const messages = page.locator('li[data-kind="message"]');
    await expect.poll(() => messages.count(), { timeout: 30_000 }).toBe(2);
    expect(await messages.nth(0).locator('.message-from').textContent()).toBe('from alice');
    expect(await messages.nth(1).locator('.message-from').textContent()).toBe('from octocat');
    expect(await messages.nth(1).textContent()).toContain('Keep the old name as an alias.');
  });

  it('lists the audit log for an admin with filters and paging, and hides it from a member', async () => {
    const page = await pages.newPage();
    await page.goto(`${server.url}/#token=${harness.tokens.admin}`);
    await page.locator('nav a', { hasText: 'Audit log' }).click();
    const rows = page.locator('table.audit-log tbody tr[data-audit-action]');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(50);
    // Newest first: the seeded CLI entries came last.
    expect(await rows.first().getAttribute('data-audit-action')).toBe('repo.created');

    // Older, then back.
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => rows.count()).toBe(57 - 50);
    expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(() => rows.count()).toBe(50);

    // By action and actor.
    await page.locator('input[name="action"]').fill('session.*');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(() => rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-audit-action'))))
      .toEqual(['session.messaged', 'session.created']);
    expect(await rows.first().locator('td[data-label="Actor"]').textContent()).toBe('alice');
    await page.locator('input[name="actor"]').fill('nobody');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('.empty', { hasText: 'No entry matches' }).waitFor();

    // A date range: everything today, nothing from tomorrow on.
    await page.locator('input[name="actor"]').fill('');
    await page.locator('input[name="action"]').fill('');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.locator('input[name="from"]').fill(tomorrow);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('.empty', { hasText: 'No entry matches' }).waitFor();
    await page.locator('input[name="from"]').fill('');
    await page.locator('input[name="to"]').fill(tomorrow);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows.count()).toBe(50);

    const member = await pages.newPage();
    await member.goto(`${server.url}/#token=${ALICE}`);
    await member.locator('nav a', { hasText: 'Sessions' }).waitFor();
    await member.locator('table.sessions, .empty').first().waitFor();
    expect(await member.locator('nav a', { hasText: 'Audit log' }).count()).toBe(0);
    await member.goto(`${server.url}/audit`);
    await member.locator('.empty', { hasText: 'The audit log is for admins' }).waitFor();
  });
});
