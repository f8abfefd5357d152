import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { newSession } from '../src/store/store-contract.ts';
import { seedEvalRuns } from './support/eval-runs.ts';
import { initRepository } from './support/git-repository.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

const PHONE = { width: 390, height: 844 };
const LONG_BRANCH = `drydock/${'make-the-importer-handle-every-legacy-csv-dialect-'.repeat(3)}x1`;
const RUN_TIMEOUT_MS = 90_000;
const LONG_COMMAND = `npx vitest run ${Array.from({ length: 12 }, (_, i) => `test/importer/dialect-${i}.test.ts`).join(' ')} --reporter=verbose`;

/**
 * The web UI's forms and lists in real Chromium against the real control plane: pickers fed by the API,
 * every field error at once, errors in the page's words, search and filters, schedules run by hand, plural
 * words, code in titles, and no page wider than a phone.
 */
describe.skipIf(!HAS_CHROMIUM)('web forms in Chromium', () => {
  let webRoot: string;
  let harness: Harness;
  let server: RunningServer;
  let otherRepo: string;

  beforeAll(async () => {
    webRoot = await buildWeb();
    harness = await createHarness();
    await harness.register();
    execFileSync('git', ['branch', 'feature/picker'], { cwd: harness.repo });
    otherRepo = join(harness.dir, 'other-repo');
    await mkdir(otherRepo);
    initRepository(otherRepo);
    await harness.register(otherRepo);
    // Sessions as the list shows them: a long branch, code in a title, two repositories.
    const at = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
    await harness.store.createSession(
      newSession('sess-login', {
        task: 'Fix the flaky `login()` test in `auth.spec.ts`',
        repo: harness.repo,
        state: 'delivered',
        branch: LONG_BRANCH,
        summary: 'Awaited `login()` before asserting.',
        createdAt: at(3),
      }),
    );
    await harness.store.createSession(
      newSession('sess-deps', { task: 'Bump the parser dependency', repo: otherRepo, createdAt: at(2) }),
    );
    await harness.store.createSession(
      newSession('sess-bowed', {
        task: 'Make the importer handle every legacy CSV dialect without breaking the old exports',
        repo: harness.repo,
        state: 'bowed_out',
        reason: 'the tests of `importer.ts` still fail',
        createdAt: at(1),
      }),
    );
    // A long command, whose result must stay on the row.
    await harness.store.record('sess-login', {
      events: [
        { type: 'tool.call', step: 1, toolCallId: 'c1', tool: 'bash', input: { command: LONG_COMMAND } },
        {
          type: 'tool.result',
          step: 1,
          toolCallId: 'c1',
          tool: 'bash',
          isError: false,
          summary: 'exit 0',
          output: 'ok',
          durationMs: 1200,
        },
      ],
    });
    await seedEvalRuns(harness.store);
    server = await startTestServer(harness, {
      workerPollMs: 100,
      webRoot,
      triggers: {
        forge: null,
        githubWebhookSecret: null,
        publicUrl: 'http://drydock.test',
        secrets: createSecretBox(Buffer.alloc(32, 7)),
      },
    });
  }, 120_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });
  const signIn = async (
    options: Parameters<typeof pages.newPage>[0] = {},
    role: 'member' | 'admin' = 'admin',
  ) => {
    const page = await pages.newPage(options);
    await page.goto(`${server.url}/#token=${harness.tokens[role]}`);
    await page.locator('table.sessions, .empty').first().waitFor();
    return page;
  };
  const api = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  const rows = (page: Page) => page.locator('table.sessions tbody tr[data-session-id]');
  const rowIds = (page: Page) =>
    rows(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-session-id')).sort());

  it('fits every page on a 390 px phone: cards for tables, a wrapping top bar, long branches wrapped', async () => {
    await api('/api/schedules', {
      name: 'phone-check',
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      repo: harness.repo,
      task: 'Update the `lockfile` and fix what breaks',
    });
    await api('/api/hooks', {
      name: 'alerts-from-the-monitoring-system',
      scheme: 'hmac',
      secret: 'a-webhook-secret-0123456789',
      repo: harness.repo,
      template: 'Investigate: {{ payload.alert.title }} '.repeat(4),
    });
    const page = await signIn({ viewport: PHONE });
    const overflow = () =>
      page.evaluate<{ scrollWidth: number }>('({ scrollWidth: document.documentElement.scrollWidth })');
    const views: Array<[string, string, () => Promise<unknown>]> = [
      ['list', '/', () => rows(page).first().waitFor()],
      ['session', '/sessions/sess-login', () => page.getByTestId('branch').waitFor()],
      ['new-task', '/new', () => page.getByRole('button', { name: 'Start session' }).waitFor()],
      ['settings', '/settings', () => page.locator('tr[data-schedule="phone-check"]').waitFor()],
      ['evals', '/evals', () => page.locator('table').first().waitFor()],
    ];
    for (const [name, path, ready] of views) {
      await page.goto(`${server.url}${path}`);
      await ready();
      const { scrollWidth } = await overflow();
      expect(scrollWidth, name).toBeLessThanOrEqual(PHONE.width);
      // Sign out is on the screen, not cut off.
      const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
      expect(signOut, name).not.toBeNull();
      expect((signOut?.x ?? 0) + (signOut?.width ?? 0), name).toBeLessThanOrEqual(PHONE.width);
      await shot(page, `forms-phone-${name}.png`, true);
    }
    // The settings tables are cards: each cell on a line of its own under its column's name.
    await page.goto(`${server.url}/settings`);
    const cell = page.locator('tr[data-schedule="phone-check"] td[data-label="Repository"]');
    const style = (property: 'display' | 'content') =>
      cell.evaluate(
        (el, [name, pseudo]) =>
          el.ownerDocument.defaultView?.getComputedStyle(el, pseudo).getPropertyValue(name),
        [property, property === 'content' ? '::before' : null] as const,
      );
    expect(await style('display')).toBe('block');
    expect(await style('content')).toBe('"Repository"');
    expect(await page.locator('table.settings-table thead').first().isVisible()).toBe(false);
    // The long branch wraps inside the header.
    await page.goto(`${server.url}/sessions/sess-login`);
    const branch = await page.getByTestId('branch').boundingBox();
    expect((branch?.x ?? 0) + (branch?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
    expect(await page.getByTestId('branch').textContent()).toBe(LONG_BRANCH);
    // A long command leaves its result on the row; opening the row shows the whole command.
    for (const width of [PHONE.width, 1280]) {
      await page.setViewportSize({ width, height: PHONE.height });
      const tool = page.locator('.tool[data-tool=bash]');
      const summary = await tool.locator('.tool-summary').boundingBox();
      expect(summary?.width ?? 0, `${width}`).toBeGreaterThan(20);
      expect((summary?.x ?? 0) + (summary?.width ?? 0), `${width}`).toBeLessThanOrEqual(width);
    }
    await page.setViewportSize(PHONE);
    await page.locator('.tool[data-tool=bash] summary').click();
    const input = page.locator('.tool[data-tool=bash] .tool-input');
    expect(await input.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await shot(page, 'forms-phone-long-command.png');
  }, 120_000);

  it('picks the repository, a branch and a model from what the server has, and shows every field error at once', async () => {
    const page = await signIn({}, 'member');
    await page.getByRole('link', { name: 'New task' }).click();
    const repoOptions = await page
      .locator('#field-repo option')
      .evaluateAll((els) => els.map((el) => el.getAttribute('value')));
    expect(repoOptions).toEqual(expect.arrayContaining([harness.repo, otherRepo]));
    await page.getByLabel('Repository').selectOption(harness.repo);
    const branchOptions = page.locator('#branch-options option');
    await expect
      .poll(() => branchOptions.evaluateAll((els) => els.map((el) => el.getAttribute('value'))))
      .toContain('feature/picker');
    const modelOptions = await page
      .locator('#model-options option')
      .evaluateAll((els) => els.map((el) => el.getAttribute('value')));
    // The server's default (a script here); no provider has a key, so none of theirs is offered.
    expect(modelOptions).toContain('script:demo');
    expect(modelOptions.some((spec) => spec?.startsWith('anthropic:'))).toBe(false);

    // No task, a branch that does not exist, a model with no key: three errors after one submit.
    await page.getByLabel('Branch').fill('no-such-branch');
    await page.getByLabel(/^Model /).fill('anthropic:claude-sonnet-4-5');
    await page.getByRole('button', { name: 'Start session' }).click();
    await page.locator('[data-field=task] .field-error').waitFor();
    expect(await page.locator('[data-field=ref] .field-error').textContent()).toBe(
      'no branch, tag or commit "no-such-branch" in this repository',
    );
    expect(await page.locator('[data-field=model] .field-error').textContent()).toContain(
      'is not set up on this server (it needs ANTHROPIC_API_KEY)',
    );
    // Said under the fields only, never again above them, and in no CLI's words.
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.locator('form').textContent()).not.toMatch(/--(repo|ref|model)|GET \/api/);
    await shot(page, 'forms-new-task-errors.png');

    // Picked from the lists, it starts.
    await page.getByLabel('Branch').fill('feature/picker');
    await page.getByLabel(/^Model /).fill('script:demo');
    await page.getByLabel('Task').fill(DEMO_TASK);
    await page.getByRole('button', { name: 'Start session' }).click();
    await page.waitForURL(/\/sessions\/[^/]+$/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1) ?? '');
    expect(await harness.store.getSession(id)).toMatchObject({ ref: 'feature/picker', model: 'script:demo' });

    // Delivered: counts in words, one file is "1 file"; the PR view says why FAIL_TO_PASS holds what it holds.
    await expect
      .poll(() => page.locator('.session-header .badge').getAttribute('data-state'), {
        timeout: RUN_TIMEOUT_MS,
      })
      .toBe('delivered');
    await expect
      .poll(() => page.locator('.timeline').textContent(), { timeout: 15_000 })
      .toMatch(/committed \w+: 1 file,/);
    expect(await page.locator('.timeline').textContent()).not.toMatch(/\b1 (files|matches|findings)\b/);
    await page.getByRole('tab', { name: 'Diff' }).click();
    await expect
      .poll(() => page.getByTestId('diff').textContent(), { timeout: 15_000 })
      .toContain('1 file changed');
    await page.getByRole('tab', { name: 'Pull request' }).click();
    const report = page.locator('[data-artifact="pull-request.md"] .markdown');
    await expect
      .poll(() => report.textContent(), { timeout: 15_000 })
      .toContain('FAIL_TO_PASS (now passing):');
    // Never a bare "none" next to the table: the tests it counted, or why it counted none.
    expect(await report.textContent()).toMatch(
      /FAIL_TO_PASS \(now passing\): (`|none (counted|required|\(no test))/,
    );
    await shot(page, 'forms-pull-request.png', true);

    // The delivered session on a phone: its timeline, diff and PR view fit the screen too.
    const phone = await signIn({ viewport: PHONE }, 'member');
    for (const tab of ['', '?tab=diff', '?tab=report']) {
      await phone.goto(`${server.url}/sessions/${encodeURIComponent(id)}${tab}`);
      await phone
        .locator('.timeline .entry, [data-testid=diff] .diff-file, [data-testid=report] .markdown')
        .first()
        .waitFor();
      expect(await phone.evaluate<number>('document.documentElement.scrollWidth'), tab).toBeLessThanOrEqual(
        PHONE.width,
      );
      await shot(phone, `forms-phone-delivered-${tab.replace('?tab=', '') || 'timeline'}.png`, true);
    }
  }, 180_000);

  it('says errors in words for the page, with where to go next', async () => {
    const page = await signIn();
    await page.goto(`${server.url}/sessions/no-such-session`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('There is no session with this id');
    expect(await alert.textContent()).not.toContain('GET /api/sessions');
    await shot(page, 'forms-missing-session.png');
    await alert.getByRole('link', { name: 'Back to the sessions' }).click();
    await page.waitForURL(`${server.url}/`);
    await rows(page).first().waitFor();

    // A bad cron: its problem in words, once, under the field; no exception's name.
    await page.getByRole('link', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'New schedule' });
    await form.getByLabel(/^Name/).fill('bad-cron');
    await form.getByLabel('Cron').fill('every night');
    await form.getByLabel('Repository').fill(harness.repo);
    await form.getByLabel('Task').fill('t');
    await form.getByRole('button', { name: 'Add schedule' }).click();
    const error = form.locator('[data-field=cron] .field-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('a cron expression has five fields');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toContain('TypeError');
    expect(text.split('a cron expression has five fields').length - 1).toBe(1);
    await shot(page, 'forms-bad-cron.png');
  }, 60_000);

  it('narrows the list by search words and by repository, and shows code in titles as code', async () => {
    const page = await signIn();
    await expect
      .poll(() => rowIds(page))
      .toEqual(expect.arrayContaining(['sess-bowed', 'sess-deps', 'sess-login']));
    await expect
      .poll(() => page.locator('tr[data-session-id="sess-login"] .task-cell code').allTextContents())
      .toEqual(['login()', 'auth.spec.ts']);

    await page.getByLabel('Search').fill('FLAKY login');
    await expect.poll(() => rowIds(page)).toEqual(['sess-login']);
    await shot(page, 'forms-list-search.png');
    await page.getByLabel('Search').fill('');
    await page.locator('select[name=repo]').selectOption(otherRepo);
    await expect.poll(() => rowIds(page)).toEqual(['sess-deps']);
    await page.getByLabel('Search').fill('importer');
    await page.getByText('No session matches these filters.').waitFor();

    // The session's title and its bow-out reason show their code spans as code.
    await page.goto(`${server.url}/sessions/sess-bowed`);
    await page.locator('.outcome.bad code').first().waitFor();
    expect(await page.locator('.outcome.bad code').allTextContents()).toEqual(['importer.ts']);
    await page.goto(`${server.url}/sessions/sess-login`);
    await expect
      .poll(() => page.locator('.session-title h1 code').allTextContents())
      .toEqual(['login()', 'auth.spec.ts']);
    expect(await page.locator('.session-title h1').textContent()).not.toContain('`');
    await expect
      .poll(() => page.locator('.entry[data-kind=created] .prose code').allTextContents())
      .toEqual(['login()', 'auth.spec.ts']);
  }, 60_000);

  it('shows when a schedule runs next and last, and runs it now into a new session', async () => {
    await api('/api/schedules', {
      name: 'nightly-tests',
      cron: '30 2 * * *',
      repo: harness.repo,
      task: DEMO_TASK,
      model: 'script:demo',
    });
    const page = await signIn();
    await page.getByRole('link', { name: 'Settings' }).click();
    const row = page.locator('tr[data-schedule="nightly-tests"]');
    await row.waitFor();
    const next = row.getByTestId('next-run').locator('time');
    const nextAt = new Date((await next.getAttribute('datetime')) ?? '');
    expect(nextAt.getUTCHours()).toBe(2);
    expect(nextAt.getUTCMinutes()).toBe(30);
    expect(nextAt.getTime()).toBeGreaterThan(Date.now());
    expect(await row.getByTestId('last-run').textContent()).toContain('never');

    await row.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/sessions\/[^/]+$/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1) ?? '');
    expect(await harness.store.getSession(id)).toMatchObject({
      task: DEMO_TASK,
      createdBy: { id: 'schedule:nightly-tests' },
    });
    await page.goBack();
    const last = page.locator('tr[data-schedule="nightly-tests"]').getByTestId('last-run').getByRole('link');
    await last.waitFor();
    expect(await last.getAttribute('href')).toBe(`/sessions/${id}`);
    await shot(page, 'forms-schedule-run-now.png', true);
  }, 60_000);
});
