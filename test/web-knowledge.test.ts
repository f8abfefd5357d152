import { beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeItem } from '../src/core/knowledge.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

/**
 * The Knowledge page in real Chromium against the real control plane: pending items with approve,
 * edit and reject for admins, approved ones with where they came from, stale ones flagged, and the
 * API's role rules behind it.
 */
describe.skipIf(!HAS_CHROMIUM)('the Knowledge page in Chromium', () => {
  let harness: Harness;
  let server: RunningServer;
  let webRoot: string;
  let pending: KnowledgeItem;
  let toEdit: KnowledgeItem;
  let stale: KnowledgeItem;

  beforeAll(async () => {
    webRoot = await buildWeb();
    harness = await createHarness();
    await harness.register();
    const base = { repo: harness.repo, files: ['src/stats.js'] };
    pending = await harness.store.createKnowledge({
      ...base,
      title: '`node --test` failed after changes to `src/stats.js`',
      body: 'Run the tests after touching `src/stats.js`.',
      kind: 'pitfall',
      source: 'sess-earlier',
    });
    toEdit = await harness.store.createKnowledge({
      ...base,
      title: 'A title to reword',
      body: 'Body.',
      kind: 'convention',
      source: 'sess-earlier',
    });
    stale = await harness.store.createKnowledge({
      ...base,
      title: 'The grammar is generated',
      body: 'Rebuild it.',
      kind: 'setup',
      source: 'manual',
      status: 'approved',
      decidedBy: 'alice',
      files: ['src/grammar.peg'],
    });
    await harness.store.markKnowledgeStale(stale.id, ['src/grammar.peg']);
    server = await startTestServer(harness, { webRoot });
  }, 120_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });

  it('lets an admin approve a pending item, which then shows with its provenance', async () => {
    const page = await pages.newPage();
    await page.goto(`${server.url}/#token=${harness.tokens.admin}`);
    await page.getByRole('link', { name: 'Knowledge' }).click();
    const card = page.locator(`[data-knowledge="${pending.id}"]`);
    await expect.poll(() => card.getAttribute('data-status')).toBe('pending');
    await expect.poll(() => card.textContent()).toContain('from session sess-earlier');

    // The stale item is flagged for people.
    const staleCard = page.locator(`[data-knowledge="${stale.id}"]`);
    await expect
      .poll(() => staleCard.getByTestId('stale').textContent())
      .toContain('src/grammar.peg no longer exists');
    await shot(page, 'knowledge-page.png', true);

    await card.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('approved');
    await expect.poll(() => card.textContent()).toContain('approved by admin token');
    expect(await harness.store.getKnowledge(pending.id)).toMatchObject({
      status: 'approved',
      decidedBy: 'admin token',
    });

    // Edit, then reject: the rejected item leaves the page.
    const editCard = page.locator(`[data-knowledge="${toEdit.id}"]`);
    await editCard.getByRole('button', { name: 'Edit' }).click();
    await editCard.locator('input[name="title"]').fill('Reworded title');
    await editCard.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => editCard.locator('h3').textContent()).toContain('Reworded title');
    expect((await harness.store.getKnowledge(toEdit.id))?.title).toBe('Reworded title');
    await editCard.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => page.locator(`[data-knowledge="${toEdit.id}"]`).count()).toBe(0);
    expect((await harness.store.getKnowledge(toEdit.id))?.status).toBe('rejected');
  });

  it('shows members the items but not the buttons, and the API refuses their decisions', async () => {
    const page = await pages.newPage();
    await page.goto(`${server.url}/knowledge#token=${harness.tokens.member}`);
    const card = page.locator(`[data-knowledge="${stale.id}"]`);
    await expect.poll(() => card.textContent()).toContain('approved by alice');
    expect(await card.getByRole('button').count()).toBe(0);
    const refused = await fetch(`${server.url}/api/knowledge/${stale.id}/reject`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.tokens.member}` },
    });
    expect(refused.status).toBe(403);
    const viewer = await fetch(`${server.url}/api/knowledge`, {
      headers: { authorization: `Bearer ${harness.tokens.viewer}` },
    });
    expect(viewer.status).toBe(403);
  });
});
