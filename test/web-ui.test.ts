import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCRIPT, DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import type { EventData } from '../src/core/events.ts';
import type { Script, ScriptTurn } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { newSession } from '../src/store/store-contract.ts';
import { seedEvalRuns } from './support/eval-runs.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

/** HTML a model or reviewer might write: the report must show it as text, never run or load it. */
const HOSTILE_HTML = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">';

/** The turns with HTML appended to the summary the coder finishes with and the reviewer submits. */
function withHostileSummaries(turns: ScriptTurn[]): ScriptTurn[] {
  return turns.map((turn) => ({
    ...turn,
    toolCalls: turn.toolCalls?.map((call) =>
      call.name === 'finish' || call.name === 'submit_review'
        ? { ...call, input: { ...call.input, summary: `${String(call.input.summary)} ${HOSTILE_HTML}` } }
        : call,
    ),
  }));
}

/**
 * The demo's coder and reviewer, with a slow first step so the page can be seen while the session runs,
 * and a slow step for the follow-up's turn (a resumed script continues after the turns already held).
 * Their summaries carry HTML, which the PR description shows as text. Written to the server's scripts
 * directory and named in the form as `script:<name>`, as a user of `--allow-script-models` would.
 */
const UI_SCRIPT: Script = {
  coder: [
    {
      text: 'Let me look at the layout of the repository first.',
      toolCalls: [
        {
          name: 'todo',
          input: {
            items: [
              { text: 'Find where mean() goes wrong', status: 'in_progress' },
              { text: 'Fix it and run the checks', status: 'pending' },
            ],
          },
        },
        { name: 'bash', input: { command: 'sleep 3; ls src test' } },
      ],
    },
    ...withHostileSummaries(Array.isArray(DEMO_SCRIPT) ? DEMO_SCRIPT : (DEMO_SCRIPT.coder ?? [])),
    // The follow-up's turn: slow, so the page can cancel it while it runs.
    {
      text: 'Adding the test you asked for.',
      toolCalls: [{ name: 'bash', input: { command: 'sleep 30' } }],
    },
  ],
  reviewer: withHostileSummaries(Array.isArray(DEMO_SCRIPT) ? [] : (DEMO_SCRIPT.reviewer ?? [])),
};

const LIVE_TIMEOUT_MS = 90_000;

/** The web UI end to end in real Chromium against the real control plane (API, worker, bubblewrap). */
describe.skipIf(!HAS_CHROMIUM)('web UI in Chromium', () => {
  let webRoot: string;
  let harness: Harness;
  let server: RunningServer;
  let scriptPath: string;

  beforeAll(async () => {
    webRoot = await buildWeb();
    harness = await createHarness({ sandboxes: createBubblewrapProvider() });
    // The server reads script files only from its scripts directory, and runs only registered repositories.
    await mkdir(join(harness.deps.home, 'scripts'), { recursive: true });
    scriptPath = join(harness.deps.home, 'scripts', 'ui-script.json');
    await writeFile(scriptPath, JSON.stringify(UI_SCRIPT));
    await harness.register();
    // The settings page (schedules, hooks, repositories) is web-settings.test.ts's.
    server = await startTestServer(harness, { workerPollMs: 200, webRoot });
  }, 120_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });
  const newPage = pages.newPage;

  const headerState = (page: Page) => page.locator('.session-header .badge');
  const seqs = (page: Page) =>
    page.locator('.timeline [data-seq]').evaluateAll((els) => els.map((el) => el.getAttribute('data-seq')));

  it('signs in, starts a task, follows it live to delivered in two browsers, shows the diff and takes a follow-up', async () => {
    const page = await newPage();

    // Sign-in: a wrong token is refused on the token screen; the link `drydock up` prints signs in.
    await page.goto(server.url);
    await page.getByLabel('Token').fill('dd_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('.field-error').textContent()).toContain('does not know this token');
    await page.goto(`${server.url}/#token=${harness.tokens.member}`);
    await page.getByText('No sessions yet.').waitFor();
    expect(page.url()).not.toContain('token=');

    // New task: the API's field errors show next to the fields.
    await page.getByRole('link', { name: 'New task' }).click();
    await page.getByRole('button', { name: 'Start session' }).click();
    await page.locator('[data-field=task] .field-error').waitFor();
    await page.locator('[data-field=repo] .field-error').waitFor();
    await shot(page, 'new-task-errors.png');
    await page.getByLabel('Repository').selectOption(harness.repo);
    await page.getByLabel('Task').fill(DEMO_TASK);
    await page.getByLabel(/^Model /).fill('script:ui-script.json');
    await page.getByRole('button', { name: 'Start session' }).click();
    await page.waitForURL(/\/sessions\/[^/]+$/);
    const sessionUrl = page.url();

    // While it runs: the slow first tool call is on the timeline with the session working.
    await page
      .locator('.tool[data-tool=bash]', { hasText: 'sleep 3' })
      .first()
      .waitFor({ timeout: LIVE_TIMEOUT_MS });
    await expect.poll(() => headerState(page).getAttribute('data-state')).toBe('working');
    // The plan the agent wrote (recorded with its step, after the slow call): a checklist on the timeline
    // instead of the todo call, and the latest one near the header.
    const plan = page.locator('.entry[data-kind=todo] .todo-item');
    await expect.poll(() => plan.count(), { timeout: LIVE_TIMEOUT_MS }).toBe(2);
    expect(await plan.first().getAttribute('data-status')).toBe('in_progress');
    expect(await page.locator('.tool[data-tool=todo]').count()).toBe(0);
    await expect
      .poll(() => page.getByTestId('plan-panel').locator('summary').textContent())
      .toContain('0/2 done · now: Find where mean() goes wrong');

    // A second viewer (dark theme) joins mid-run and must see the same stream.
    const viewer = await newPage({ colorScheme: 'dark' });
    await viewer.goto(`${server.url}/#token=${harness.tokens.viewer}`);
    await viewer.getByText('Sessions', { exact: true }).first().waitFor();
    await shot(viewer, 'session-list-running.png');
    await viewer.goto(sessionUrl);
    await viewer.locator('.timeline').waitFor();
    // A viewer may not steer it: no cancel, no follow-up box; the member who started it may.
    await viewer.getByTestId('follow-up-note').waitFor();
    expect(await viewer.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(1);
    expect(await page.getByTestId('created-by').textContent()).toBe('member token');
    await shot(page, 'session-running.png');

    // Delivered: both pages got there live, with the verification and the review on the timeline.
    for (const p of [page, viewer]) {
      await expect
        .poll(() => headerState(p).getAttribute('data-state'), { timeout: LIVE_TIMEOUT_MS })
        .toBe('delivered');
    }
    await page.locator('.entry[data-kind=gate]', { hasText: 'passed' }).first().waitFor();
    await page.locator('.entry[data-kind=review]', { hasText: 'approved' }).first().waitFor();
    await page.locator('.tool[data-tool=edit_file][data-status=ok]').first().waitFor();
    await expect.poll(() => page.getByTestId('branch').textContent()).toMatch(/^drydock\//);
    await expect.poll(async () => JSON.stringify(await seqs(viewer))).toBe(JSON.stringify(await seqs(page)));
    expect((await seqs(page)).length).toBeGreaterThan(10);
    // Tool output folds open.
    const editCall = page.locator('.tool[data-tool=bash]').last();
    await editCall.locator('summary').click();
    await editCall.locator('pre.output').waitFor();
    await shot(page, 'session-delivered.png', true);
    await shot(viewer, 'session-delivered-dark.png');
    await page.locator('details.pull summary').click();
    await expect.poll(() => page.getByTestId('pull-instructions').textContent()).toContain('drydock pull');

    // The diff: the file header and the changed line, added and removed.
    await page.getByRole('tab', { name: 'Diff' }).click();
    const file = page.locator('.diff-file[data-path="src/stats.js"]');
    await file.waitFor();
    await expect.poll(() => file.locator('tr.line.add').first().textContent()).toContain('let i = 0');
    await expect.poll(() => file.locator('tr.line.del').first().textContent()).toContain('let i = 1');
    await shot(page, 'session-diff.png', true);

    // The PR description drydock wrote.
    await page.getByRole('tab', { name: 'Pull request' }).click();
    await page
      .locator(
        '[data-artifact="pull-request.md"] .markdown h2, [data-artifact="pull-request.md"] .markdown h3',
      )
      .first()
      .waitFor();
    // The model's and the reviewer's HTML is text on the page: no element made from it, nothing run.
    const report = page.locator('[data-artifact="pull-request.md"] .markdown');
    expect(await report.locator('script, img').count()).toBe(0);
    expect(await report.textContent()).toContain(`npm test passes (2 tests). ${HOSTILE_HTML}`);
    expect(await report.textContent()).toContain(`and the tests pass. ${HOSTILE_HTML}`);
    expect(await page.evaluate("'pwned' in window")).toBe(false);
    await shot(page, 'session-pull-request.png', true);

    // A follow-up shows up on both timelines when its event comes back, and opens a new turn.
    await page.getByRole('tab', { name: /Timeline/ }).click();
    const message = 'Please also add a test for a single-element list.';
    await page.getByPlaceholder(/Follow up/).fill(message);
    await page.getByRole('button', { name: 'Send' }).click();
    for (const p of [page, viewer]) {
      await p
        .locator('.entry[data-kind=message]', { hasText: message })
        .waitFor({ timeout: LIVE_TIMEOUT_MS });
    }
    await expect.poll(() => headerState(viewer).getAttribute('data-state')).not.toBe('delivered');

    // Cancel the new turn (two clicks: the first asks to confirm).
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Confirm cancel' }).click();
    for (const p of [page, viewer]) {
      await expect
        .poll(() => headerState(p).getAttribute('data-state'), { timeout: LIVE_TIMEOUT_MS })
        .toBe('cancelled');
    }

    // The list: the session with its state; filtering by state.
    await page.getByRole('link', { name: 'Sessions' }).click();
    const row = page.locator('table.sessions tbody tr[data-session-id]');
    await expect.poll(() => row.count()).toBe(1);
    await expect.poll(() => row.locator('.badge').getAttribute('data-state')).toBe('cancelled');
    expect(await row.locator('td').nth(1).getAttribute('title')).toBe(harness.repo);
    await shot(page, 'session-list.png');
    await page.locator('select[name=state]').selectOption('delivered');
    await page.getByText('No delivered sessions.').waitFor();
  }, 240_000);

  it("shows evaluation runs, their chart and figures, a run's breakdown and instances, and links into a session", async () => {
    await seedEvalRuns(harness.store);
    const page = await newPage();
    await page.goto(`${server.url}/#token=${harness.tokens.viewer}`);
    // Reachable from the navigation, for any role.
    await page.getByRole('link', { name: 'Evaluations' }).click();
    await page.waitForURL(`${server.url}/evals`);
    const rows = page.locator('table.evals tbody tr[data-eval-id]');
    await expect
      .poll(() => rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-eval-id'))))
      .toEqual(['eval-new', 'eval-old']);
    const latest = page.locator('tr[data-eval-id="eval-new"]');
    const cell = (row: typeof latest, name: string) => row.locator(`[data-cell="${name}"]`).textContent();
    // Four of five finished: one resolved, one bad delivery, one bowed out, one failed; $1.50 in all.
    expect(await cell(latest, 'done')).toBe('4/5');
    expect(await cell(latest, 'resolve-rate')).toBe('25%');
    expect(await cell(latest, 'bad-delivery-rate')).toBe('25%');
    expect(await cell(latest, 'precision')).toBe('50%');
    expect(await cell(latest, 'cost')).toBe('$1.50');
    expect(await cell(latest, 'cost-per-resolved')).toBe('$1.50');
    expect(await latest.textContent()).toContain('anthropic:claude-sonnet-4-5');
    expect(await latest.locator('.badge').getAttribute('data-state')).toBe('running');
    const old = page.locator('tr[data-eval-id="eval-old"]');
    expect(await cell(old, 'resolve-rate')).toBe('100%');
    expect(await cell(old, 'cost-per-resolved')).toBe('$0');

    // The chart: oldest run on the left, a bar per resolve rate, a point per run's cost.
    const chart = page.getByRole('img', { name: 'Resolve rate and cost per evaluation run' });
    expect(
      await chart
        .locator('g[data-run-id]')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-run-id'))),
    ).toEqual(['eval-old', 'eval-new']);
    expect(
      await chart
        .locator('rect.bar')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-resolve-rate'))),
    ).toEqual(['1', '0.25']);
    const heights = await chart
      .locator('rect.bar')
      .evaluateAll((els) => els.map((el) => Number(el.getAttribute('height'))));
    expect(heights[0]).toBeCloseTo((heights[1] ?? 0) * 4);
    expect(
      await chart
        .locator('circle.cost-point')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-cost-usd'))),
    ).toEqual(['0', '1.5']);
    await shot(page, 'evals.png', true);

    // The run's page: its summary, per repository, and its instances in the order they started.
    await latest.getByRole('link', { name: 'swe-mini' }).click();
    await page.waitForURL(`${server.url}/evals/eval-new`);
    const figure = (name: string) => page.locator(`[data-figure="${name}"] dd`).textContent();
    await page.getByTestId('eval-summary').waitFor();
    expect(await figure('done')).toBe('4/5');
    expect(await figure('resolve-rate')).toBe('25% (1)');
    expect(await figure('precision')).toBe('50%');
    expect(await figure('bad-delivery-rate')).toBe('25% (1)');
    expect(await figure('bow-out-rate')).toBe('25% (1)');
    expect(await figure('cost-per-resolved')).toBe('$1.50');
    expect(await figure('wall')).toBe('1m00s / 2m00s');
    const repoCells = (repo: string) =>
      page
        .locator(`table.eval-repos tr[data-repo="${repo}"] td`)
        .evaluateAll((els) => els.map((el) => el.textContent));
    expect(await repoCells('acme/app')).toEqual(['acme/app', '2', '2', '2', '1', '1', '$1.25']);
    expect(await repoCells('acme/lib')).toEqual(['acme/lib', '3', '2', '0', '0', '0', '$0.25']);
    const instances = page.locator('table.eval-instances tbody tr');
    expect(
      await instances.evaluateAll((els) => els.map((el) => el.getAttribute('data-instance-id'))),
    ).toEqual(['acme__app-1', 'acme__app-2', 'acme__lib-7', 'acme__lib-8', 'acme__lib-9']);
    const bad = page.locator('tr[data-instance-id="acme__app-2"]');
    expect(await cell(bad, 'resolved')).toBe('no');
    expect(await cell(bad, 'f2p')).toBe('1/1');
    expect(await cell(bad, 'p2p')).toBe('9/10');
    expect(await bad.textContent()).toContain('not passing: test/mean.test.js > mean of one');
    expect(await bad.locator('.badge').getAttribute('data-state')).toBe('delivered');
    expect(await cell(page.locator('tr[data-instance-id="acme__app-1"]'), 'p2p')).toBe('10/10');
    expect(await page.locator('tr[data-instance-id="acme__lib-7"]').textContent()).toContain(
      'the gate kept failing on test/parse.test.js',
    );
    expect(await page.locator('tr[data-instance-id="acme__lib-9"] a').count()).toBe(0);
    await shot(page, 'eval-run.png', true);

    // Each instance links to its session's page.
    await bad.getByRole('link', { name: 'sess-n2' }).click();
    await page.waitForURL(`${server.url}/sessions/sess-n2`);
    await page.locator('.session-header').getByText('Eval acme__app-2').waitFor();
  }, 120_000);

  it('shows a reply as it streams, reasoning included, then the response in its place', async () => {
    const id = 'sess-live';
    await harness.store.createSession(
      newSession(id, { task: 'Stream a reply', repo: harness.repo, state: 'working' }),
    );
    // As the worker does: recorded, then published to the page's event stream.
    const record = async (events: EventData[]) => {
      for (const event of await harness.store.record(id, { events })) server.bus.publish(event);
    };
    await record([
      { type: 'model.delta', step: 1, attempt: 1, reasoning: 'The loop skips the first number.' },
      { type: 'model.delta', step: 1, attempt: 1, text: 'Reading ' },
    ]);
    const page = await newPage();
    await page.goto(`${server.url}/sessions/${id}#token=${harness.tokens.viewer}`);
    const live = page.locator('[data-kind="live"]');
    const liveText = live.getByTestId('live-text');
    await expect.poll(() => liveText.textContent(), { timeout: 10_000 }).toBe('Reading ');
    expect(await live.getByTestId('live-reasoning').textContent()).toBe('The loop skips the first number.');

    await record([{ type: 'model.delta', step: 1, attempt: 1, text: 'src/stats.js.' }]);
    await expect.poll(() => liveText.textContent(), { timeout: 10_000 }).toBe('Reading src/stats.js.');

    await record([
      {
        type: 'model.response',
        step: 1,
        text: 'Reading src/stats.js.',
        toolCalls: 0,
        usage: { inputTokens: 10, outputTokens: 5, costUsd: 0 },
        durationMs: 900,
        finishReason: 'stop',
      },
    ]);
    await expect.poll(() => live.count(), { timeout: 10_000 }).toBe(0);
    const reply = page.locator('[data-kind="text"]');
    expect(await reply.count()).toBe(1);
    expect(await reply.locator('p.prose').last().textContent()).toBe('Reading src/stats.js.');
    expect(await reply.locator('details.reasoning').textContent()).toContain(
      'The loop skips the first number.',
    );
  });

  it('goes back to the token screen when the token stops working', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/#token=dd_revoked-or-wrong`);
    await page.getByText('did not accept the token').waitFor();
    await page.getByLabel('Token').waitFor();
  });
});
