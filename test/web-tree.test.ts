import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server/start-server.ts';
import { newSession } from '../src/store/store-contract.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import {
  at,
  JUDGE_VERDICT,
  seedSessionTrees,
  TASK,
  verdict,
  WINNER_REASON,
} from './support/session-trees.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

const PHONE = { width: 390, height: 844 };

/**
 * Attempts, a manager's children and the new-task form's runs in real Chromium against the real control
 * plane: the tree's data seeded in the store as the engine writes it (sessions, their logs, the parent's
 * child.* and attempts.chosen events), with no worker, so nothing but the test changes it.
 */
describe.skipIf(!HAS_CHROMIUM)('session trees in Chromium', () => {
  let webRoot: string;
  let harness: Harness;
  let server: RunningServer;

  /** Appends to a session's log and publishes it on the bus, as a worker's run does. */
  const publish = async (sessionId: string, write: Parameters<Harness['store']['record']>[1]) => {
    for (const event of await harness.store.record(sessionId, write)) server.bus.publish(event);
  };

  beforeAll(async () => {
    webRoot = await buildWeb();
    harness = await createHarness();
    await harness.register();
    await seedSessionTrees(harness.store, harness.repo);

    // No worker: the seeded live sessions stay as the test leaves them.
    server = await startTestServer(harness, { webRoot, noWorker: true });
  }, 120_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });
  const signIn = async (path = '/', options: Parameters<typeof pages.newPage>[0] = {}) => {
    const page = await pages.newPage(options);
    await page.goto(`${server.url}/#token=${harness.tokens.member}`);
    await page.locator('table.sessions').waitFor();
    if (path !== '/') await page.goto(`${server.url}${path}`);
    return page;
  };
  const card = (page: Page, id: string) => page.locator(`.attempt-card[data-attempt="${id}"]`);

  it('lists top-level sessions only, with a count of attempts or children', async () => {
    const page = await signIn();
    const ids = await page
      .locator('table.sessions tbody tr[data-session-id]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-session-id')));
    expect(ids).toEqual(['plain', 'boss', 'none-qualified', 'best-of-3']);
    const badge = (id: string) =>
      page.locator(`tr[data-session-id="${id}"] [data-testid=children-badge]`).textContent();
    expect(await badge('best-of-3')).toBe('3 attempts');
    expect(await badge('none-qualified')).toBe('2 attempts');
    expect(await badge('boss')).toBe('manager · 2 children');
    expect(await page.locator('tr[data-session-id="plain"] [data-testid=children-badge]').count()).toBe(0);
    await shot(page, 'tree-list.png');
  });

  it('shows three attempts side by side, the winner marked with why it won, each linking to its page and diff', async () => {
    const page = await signIn('/sessions/best-of-3');
    await page.getByTestId('attempts').waitFor();
    // Ranked: the winner first, then the others with why they lost.
    const order = await page
      .locator('.attempt-card')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-attempt')));
    expect(order).toEqual(['try-fix', 'try-regress', 'try-delete']);
    expect(await card(page, 'try-fix').getAttribute('data-winner')).toBe('true');
    expect(await card(page, 'try-fix').locator('.winner-badge').textContent()).toBe('winner');
    expect(await page.locator('.attempt-card[data-winner="true"]').count()).toBe(1);
    expect(await page.getByTestId('choice').textContent()).toContain('Attempt 2 won');
    expect(await page.getByTestId('choice-reason').textContent()).toBe(`Why it won: ${WINNER_REASON}`);
    expect(await page.getByTestId('judge').textContent()).toContain(JUDGE_VERDICT);

    // Each card: model, outcome, checks, findings, diff stat, cost.
    const winner = card(page, 'try-fix');
    expect(await winner.locator('.attempt-model').textContent()).toBe('openai:gpt-5-mini');
    expect(await winner.getByTestId('checks').textContent()).toBe('passed · 1 fail→pass · 0 regressions');
    expect(await winner.getByTestId('findings').textContent()).toBe('1 nit');
    expect(await winner.getByTestId('diff-stat').textContent()).toBe('2 files +7 −1');
    expect(await winner.getByTestId('outcome').textContent()).toBe('delivered; coder finished');
    expect(await winner.textContent()).toContain('$0.12');
    const regressed = card(page, 'try-regress');
    expect(await regressed.getByTestId('why-not').textContent()).toBe('regressed 1 test that passed before');
    expect(await regressed.getByTestId('checks').textContent()).toBe('failed · 1 fail→pass · 1 regression');
    expect(await regressed.locator('.attempt-problems').textContent()).toContain('median of one');
    expect(await card(page, 'try-delete').getByTestId('diff-stat').textContent()).toBe('—');

    // Side by side on a desktop: one row.
    const tops = await page
      .locator('.attempt-card')
      .evaluateAll((cards) => cards.map((c) => Math.round(c.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(1);
    await shot(page, 'tree-attempts.png', true);

    // The attempt's diff, and its own page, which links back up.
    await winner.getByRole('link', { name: 'Diff' }).click();
    await page.waitForURL(/\/sessions\/try-fix\?tab=diff$/);
    await page.getByTestId('parent-link').waitFor();
    expect(await page.getByTestId('parent-link').textContent()).toBe(
      'An attempt of Fix mean() on an empty list',
    );
    await page.getByTestId('parent-link').getByRole('link').click();
    await page.waitForURL(/\/sessions\/best-of-3$/);
    await card(page, 'try-regress').getByRole('link', { name: 'Open attempt' }).click();
    await page.waitForURL(/\/sessions\/try-regress$/);
    await page.getByTestId('parent-link').waitFor();
    expect(await page.getByTestId('attempts').count()).toBe(0);
  });

  it("says no attempt qualified, with each attempt's failure", async () => {
    const page = await signIn('/sessions/none-qualified');
    await page.getByTestId('choice').waitFor();
    expect(await page.getByTestId('choice').textContent()).toContain('No attempt qualified');
    expect(await page.getByTestId('choice-reason').textContent()).toBe(
      'no attempt passed the gate and the review',
    );
    expect(await page.locator('.attempt-card[data-winner="true"]').count()).toBe(0);
    // The parent tried nothing itself: no "What was tried" of its own, only its attempts'.
    await page.getByTestId('outcome-actions').waitFor();
    expect(await page.getByText('What was tried').count()).toBe(0);
    expect(await card(page, 'nq-1').getByTestId('why-not').textContent()).toBe(
      'still failing: importer reads semicolons',
    );
    expect(await card(page, 'nq-2').getByTestId('why-not').textContent()).toBe('gave up: no tests run');
    await shot(page, 'tree-none-qualified.png', true);
  });

  it('stacks the attempts on a phone, with nothing wider than the screen', async () => {
    const page = await signIn('/sessions/best-of-3', { viewport: PHONE });
    await card(page, 'try-delete').waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
    const boxes = await page
      .locator('.attempt-card')
      .evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect()).map((r) => [r.top, r.right]));
    // One column: each card below the one before it, none past the screen's edge.
    for (const [i, [top, right]] of boxes.entries()) {
      if (i > 0) expect(top).toBeGreaterThan(boxes[i - 1]?.[0] ?? 0);
      expect(right).toBeLessThanOrEqual(PHONE.width);
    }
    await shot(page, 'tree-attempts-phone.png', true);
    await page.goto(`${server.url}/sessions/boss`);
    await page.getByTestId('child-tree').waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      PHONE.width,
    );
  });

  it("follows a manager's children live: a child that ends and one that is spawned show without a reload", async () => {
    const page = await signIn('/sessions/boss');
    const node = (id: string) => page.locator(`.child-node[data-child="${id}"]`);
    await node('part-split').waitFor();
    expect(await node('part-split').getAttribute('data-state')).toBe('working');
    expect(await node('part-csv').getAttribute('data-state')).toBe('queued');
    // The log's replay (its child.spawned events) refetches the tree once; let that settle first.
    await page.locator('.entry', { hasText: 'started child part-csv' }).waitFor();
    await new Promise((resolve) => setTimeout(resolve, 1000));

    // A state change the parent's log does not mention waits for the slow poll...
    await harness.store.record('part-split', {
      events: [
        { type: 'agent.stopped', step: 4, outcome: 'finished', detail: 'split it' },
        verdict(true),
        { type: 'delivery.committed', commit: 'c3', filesChanged: 3, insertions: 40, deletions: 22 },
      ],
      patch: { state: 'delivered' },
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await node('part-split').getAttribute('data-state')).toBe('working');

    // ...while the parent's child.ended on its stream refetches the tree at once.
    await publish('boss', {
      events: [
        { type: 'child.ended', childId: 'part-split', state: 'delivered', reason: null },
        {
          type: 'child.integrated',
          childId: 'part-split',
          files: ['src/parse.js', 'src/render.js'],
          conflicts: [],
        },
      ],
    });
    await expect
      .poll(() => node('part-split').getAttribute('data-state'), { timeout: 5000 })
      .toBe('delivered');
    await expect.poll(() => node('part-split').textContent()).toContain('taken in (2 files)');
    expect(await node('part-split').textContent()).toContain('3 files +40 −22');

    // A child spawned while the page is open appears, and one that fails says why.
    await harness.store.createSession(
      newSession('part-docs', {
        repo: harness.repo,
        task: 'Document the CSV export',
        kind: 'child',
        parentId: 'boss',
        model: 'script:demo',
        state: 'provisioning',
        createdAt: at(33),
      }),
    );
    await harness.store.record('part-csv', {
      patch: { state: 'failed', reason: 'model error: 529 overloaded' },
    });
    await publish('boss', {
      events: [
        {
          type: 'child.spawned',
          childId: 'part-docs',
          kind: 'child',
          task: 'Document it',
          model: 'script:demo',
        },
        { type: 'child.ended', childId: 'part-csv', state: 'failed', reason: 'model error: 529 overloaded' },
      ],
    });
    await expect.poll(() => node('part-docs').count(), { timeout: 5000 }).toBe(1);
    await expect.poll(() => node('part-csv').getAttribute('data-state')).toBe('failed');
    expect(await node('part-csv').textContent()).toContain('model error: 529 overloaded');
    expect(await page.locator('.child-node').count()).toBe(3);
    await shot(page, 'tree-manager.png', true);

    await node('part-docs').getByRole('link').click();
    await page.waitForURL(/\/sessions\/part-docs$/);
    await expect
      .poll(() => page.getByTestId('parent-link').textContent())
      .toBe('A child session of Split the report module and add CSV export (a manager)');
  });

  it('sends attempts, models and manager mode from the new-task form, and shows their errors at the fields', async () => {
    const page = await signIn('/new');
    const sent: unknown[] = [];
    let answer: { status: number; body: unknown } = { status: 201, body: { id: 'plain', state: 'queued' } };
    await page.route('**/api/sessions', async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      sent.push(route.request().postDataJSON());
      await route.fulfill({ status: answer.status, json: answer.body });
    });
    const start = () => page.getByRole('button', { name: 'Start session' }).click();
    await page.getByLabel('Repository').selectOption(harness.repo);
    await page.getByLabel('Task').fill(TASK);

    // Three attempts of one model, as a manager.
    await page.getByLabel(/^Attempts/).fill('3');
    await page.getByLabel(/Manager mode/).check();
    await shot(page, 'tree-new-task.png', true);
    await start();
    await page.waitForURL(/\/sessions\/plain$/);
    expect(sent.at(-1)).toEqual({ repo: harness.repo, task: TASK, attempts: 3, mode: 'manager' });

    // One attempt per model: the models replace the Model field; attempts 1 is not sent.
    await page.goto(`${server.url}/new`);
    await page.getByLabel('Repository').selectOption(harness.repo);
    await page.getByLabel('Task').fill(TASK);
    await page.getByLabel(/^Model /).fill('script:demo');
    const models = page.getByLabel(/^Models/);
    await models.fill('script:demo');
    await models.press('Enter');
    await models.fill('openai:gpt-5-mini');
    await page.getByRole('button', { name: 'Add' }).click();
    expect(await page.locator('.model-chip').count()).toBe(2);
    expect(await page.getByLabel(/^Model /).isDisabled()).toBe(true);
    // Attempts and models together are refused at the field, before anything is sent.
    await page.getByLabel(/^Attempts/).fill('2');
    const before = sent.length;
    await start();
    await page.locator('[data-field=models] .field-error').waitFor();
    expect(await page.locator('[data-field=models] .field-error').textContent()).toContain('not both');
    expect(sent.length).toBe(before);
    await page.getByLabel(/^Attempts/).fill('1');
    await start();
    await page.waitForURL(/\/sessions\/plain$/);
    expect(sent.at(-1)).toEqual({
      repo: harness.repo,
      task: TASK,
      models: ['script:demo', 'openai:gpt-5-mini'],
    });

    // The API's field errors (one about a model of the list) show under their fields, none above the form.
    await page.goto(`${server.url}/new`);
    await page.getByLabel('Repository').selectOption(harness.repo);
    await page.getByLabel('Task').fill(TASK);
    await page.getByLabel(/^Attempts/).fill('4');
    await page.getByLabel(/Manager mode/).check();
    answer = {
      status: 400,
      body: {
        error: {
          code: 'invalid_input',
          message: 'Invalid session: attempts: …; mode: …',
          fields: { attempts: 'at most 3 on this server', mode: 'attempts or a manager, not both' },
        },
      },
    };
    await start();
    await page.locator('[data-field=mode] .field-error').waitFor();
    expect(await page.locator('[data-field=attempts] .field-error').textContent()).toBe(
      'at most 3 on this server',
    );
    expect(await page.locator('[data-field=mode] .field-error').textContent()).toBe(
      'attempts or a manager, not both',
    );
    expect(await page.locator('form .banner').count()).toBe(0);
    await page.getByLabel(/Manager mode/).uncheck();
    await models.fill('script:demo');
    await models.press('Enter');
    await models.fill('nope:model');
    await models.press('Enter');
    await page.getByLabel(/^Attempts/).fill('1');
    answer = {
      status: 400,
      body: {
        error: {
          code: 'invalid_input',
          message: 'Invalid session: models.1: …',
          fields: { 'models.1': 'unknown provider "nope"' },
        },
      },
    };
    await start();
    await page.locator('[data-field=models] .field-error').waitFor();
    expect(await page.locator('[data-field=models] .field-error').textContent()).toBe(
      'unknown provider "nope"',
    );
    expect(await page.locator('form .banner').count()).toBe(0);
    await shot(page, 'tree-new-task-errors.png', true);
  });
});
