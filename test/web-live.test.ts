import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventData } from '../src/core/events.ts';
import type { SessionPatch } from '../src/core/ports/store.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { newSession } from '../src/store/store-contract.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

const STREAMED = 'for i in 1 2 3; do echo line$i; sleep 1; done';
const TASK = 'Print three lines slowly, then wait for a message';

/**
 * A coder that runs a slow, chatty command (its output streams while it runs), then a quiet slow one (a
 * follow-up sent during it waits for the next step), then reads the follow-up and gives up: the session
 * ends without needing the gate.
 */
const LIVE_SCRIPT = {
  coder: [
    { text: 'Printing slowly.', toolCalls: [{ name: 'bash', input: { command: STREAMED } }] },
    { toolCalls: [{ name: 'bash', input: { command: 'sleep 4' } }] },
    { text: 'Read your message.', toolCalls: [{ name: 'bash', input: { command: 'echo read' } }] },
    { toolCalls: [{ name: 'give_up', input: { reason: 'this was only a demonstration' } }] },
  ],
};

const TIMEOUT_MS = 30_000;

/** Issue 23's live parts in real Chromium against the real control plane (API, worker, bubblewrap). */
describe.skipIf(!HAS_CHROMIUM)('web UI: watching sessions live', () => {
  let webRoot: string;
  let harness: Harness;
  let server: RunningServer;

  beforeAll(async () => {
    webRoot = await buildWeb();
    harness = await createHarness({ sandboxes: createBubblewrapProvider() });
    harness.scripts.live = LIVE_SCRIPT;
    await harness.register();
    server = await startTestServer(harness, { workerPollMs: 200, webRoot });
  }, 120_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });

  /** Records events on a session as the worker does: stored, then published to the page's stream. */
  const record = async (id: string, events: EventData[], patch: SessionPatch = {}) => {
    for (const event of await harness.store.record(id, { events, patch })) server.bus.publish(event);
  };

  // Run in the page (the test's own types have no DOM).
  const scrollY = (page: Page) => page.evaluate('window.scrollY') as Promise<number>;
  const atBottom = (page: Page) =>
    page.evaluate(
      'document.documentElement.scrollHeight - (window.scrollY + window.innerHeight) < 130',
    ) as Promise<boolean>;

  const seconds = (text: string | null): number => {
    const match = /^(?:(\d+)m)?(\d+)s$/.exec(text?.trim() ?? '');
    if (!match) throw new Error(`not an elapsed time: ${text}`);
    return Number(match[1] ?? 0) * 60 + Number(match[2]);
  };

  it("streams a command's output into its row before it ends, ticks, and shows a follow-up delivered then read", async () => {
    const created = await fetch(`${server.url}/api/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.tokens.member}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: harness.repo, task: TASK, model: 'script:live' }),
    });
    expect(created.ok).toBe(true);
    const { id } = (await created.json()) as { id: string };
    const page = await pages.newPage();
    await page.goto(`${server.url}/sessions/${id}#token=${harness.tokens.member}`);
    // The id until the session loads, then its task.
    await expect.poll(() => page.title(), { timeout: TIMEOUT_MS }).toBe(`${TASK} · drydock`);

    // The first line is in the row while the command still runs, and before its last line was printed.
    const row = page.locator('.tool[data-tool=bash]', { hasText: 'for i in' });
    const seen = async () =>
      row.evaluate((el) => ({
        status: el.getAttribute('data-status'),
        output: el.querySelector('[data-testid=live-output]')?.textContent ?? '',
      }));
    await expect
      .poll(async () => (await seen()).output, { timeout: TIMEOUT_MS, interval: 100 })
      .toContain('line1');
    const early = await seen();
    expect(early.status).toBe('running');
    expect(early.output).not.toContain('line3');
    await shot(page, 'live-output-streaming.png');

    // The running row's clock and the status bar's count up.
    const clock = row.getByTestId('running-clock');
    const elapsed = page.getByTestId('status-elapsed');
    const [clockBefore, elapsedBefore] = [
      seconds(await clock.textContent()),
      seconds(await elapsed.textContent()),
    ];
    await page.waitForTimeout(1_300);
    const stillRunning = (await seen()).status === 'running';
    if (stillRunning) expect(seconds(await clock.textContent())).toBeGreaterThan(clockBefore);
    expect(seconds(await elapsed.textContent())).toBeGreaterThan(elapsedBefore);
    const bar = page.getByTestId('status-bar');
    expect(await bar.textContent()).toMatch(/working.*\d+s.*steps?.*in · .* out.*\$/);

    // The result replaces the streamed output when the command ends.
    await expect.poll(() => row.getAttribute('data-status'), { timeout: TIMEOUT_MS }).toBe('ok');
    expect(await row.locator('pre.output').textContent()).toContain('line3');
    expect(await row.getByTestId('live-output').count()).toBe(0);

    // A follow-up sent during the slow second step is in the log at once, and waits for the next step.
    const slow = page.locator('.tool[data-tool=bash]', { hasText: 'sleep 4' });
    await expect.poll(() => slow.getAttribute('data-status'), { timeout: TIMEOUT_MS }).toBe('running');
    await page.getByPlaceholder(/Tell the agent something/).fill('Please also print line4.');
    await page.getByRole('button', { name: 'Send' }).click();
    const status = page.locator('[data-kind=message] .message-status');
    await expect.poll(() => status.getAttribute('data-state'), { timeout: TIMEOUT_MS }).toBe('waiting');
    expect(await slow.getAttribute('data-status')).toBe('running');
    await shot(page, 'live-message-waiting.png');
    await expect.poll(() => status.getAttribute('data-state'), { timeout: TIMEOUT_MS }).toBe('read');
    expect(await status.textContent()).toContain('read by the agent at step 3');
    await shot(page, 'live-message-read.png');

    // Once it ends nothing says live: no green dot, no status bar, a duration that stopped.
    await expect
      .poll(() => page.locator('.session-header .badge').getAttribute('data-state'), { timeout: TIMEOUT_MS })
      .toBe('bowed_out');
    await expect.poll(() => page.locator('.stream-status').textContent()).toBe('ended');
    expect(await page.locator('.stream-status.live').count()).toBe(0);
    expect(await page.getByTestId('status-bar').count()).toBe(0);
    expect(await page.getByTestId('finished').count()).toBe(1);
    const took = seconds(await page.getByTestId('duration').textContent());
    expect(took).toBeGreaterThanOrEqual(7);
    await page.waitForTimeout(1_100);
    expect(seconds(await page.getByTestId('duration').textContent())).toBe(took);
    await shot(page, 'live-ended.png');

    // The list shows when it started and finished and how long it took.
    await page.getByRole('link', { name: 'Sessions', exact: true }).click();
    await expect.poll(() => page.title()).toBe('Sessions · drydock');
    const listed = page.locator(`tr[data-session-id="${id}"]`);
    expect(seconds(await listed.getByTestId('list-duration').textContent())).toBeGreaterThanOrEqual(7);
    expect(await listed.locator('.col-finished').textContent()).toMatch(/^\d\d:\d\d$/);
    await shot(page, 'live-list-times.png');
  }, 120_000);

  it('opens an ended session at the top with its outcome in view, one summary per turn, and tabs in history', async () => {
    const id = 'sess-ended';
    await harness.store.createSession(
      newSession(id, {
        task: 'Fix the mean of an empty list',
        repo: harness.repo,
        state: 'working',
        // Another day: the header and the list say which.
        createdAt: '2025-03-04T09:15:00.000Z',
        updatedAt: '2025-03-04T09:15:00.000Z',
      }),
    );
    const usage = { inputTokens: 100, outputTokens: 20, costUsd: 0.01 };
    const steps: EventData[] = [];
    for (let step = 1; step <= 40; step++) {
      steps.push(
        {
          type: 'model.response',
          step,
          text: `Step ${step}: looking further.`,
          toolCalls: 1,
          usage,
          durationMs: 900,
        },
        { type: 'tool.call', step, toolCallId: `c${step}`, tool: 'bash', input: { command: `echo ${step}` } },
        {
          type: 'tool.result',
          step,
          toolCallId: `c${step}`,
          tool: 'bash',
          isError: false,
          summary: 'exit code 0',
          output: `${step}\n[exit code 0]`,
          durationMs: 15,
        },
      );
    }
    await record(
      id,
      [
        ...steps,
        {
          type: 'agent.stopped',
          step: 40,
          outcome: 'finished',
          detail: 'mean() returns 0 for an empty list.',
        },
        { type: 'state.changed', from: 'working', to: 'delivered' },
        { type: 'message.received', text: 'Also document it.' },
        { type: 'state.changed', from: 'delivered', to: 'queued' },
        { type: 'agent.stopped', step: 42, outcome: 'finished', detail: 'Documented the empty-list case.' },
        { type: 'state.changed', from: 'working', to: 'delivered' },
      ],
      { state: 'delivered', summary: 'Documented the empty-list case.' },
    );

    const page = await pages.newPage();
    // From a list scrolled down, as a person would come to it.
    await page.goto(`${server.url}/#token=${harness.tokens.viewer}`);
    await page.locator(`tr[data-session-id="${id}"]`).waitFor();
    await page.goto(`${server.url}/sessions/${id}`);
    await expect
      .poll(() => page.locator('.timeline [data-seq]').count(), { timeout: TIMEOUT_MS })
      .toBeGreaterThan(80);
    await page.waitForTimeout(300);
    expect(await scrollY(page)).toBe(0);
    const turns = page.getByTestId('turns');
    const box = await turns.boundingBox();
    expect(box !== null && box.y + box.height <= 860).toBe(true);
    expect(await turns.locator('li').allTextContents()).toEqual([
      expect.stringMatching(/Turn 1 · Delivered.*mean\(\) returns 0 for an empty list\./),
      expect.stringMatching(
        /Turn 2 · Delivered.*you asked: “Also document it\.”.*Documented the empty-list case\./,
      ),
    ]);
    await expect.poll(() => page.title()).toBe('Fix the mean of an empty list · drydock');
    expect(await page.locator('.stream-status.live').count()).toBe(0);
    // Started on another day: the date is shown.
    expect(await page.getByTestId('started').textContent()).toMatch(/Mar 4, 2025/);
    await shot(page, 'live-ended-at-top.png');

    // Tabs are pages in the history: Back returns to the tab before.
    await page.getByRole('tab', { name: /Diff/ }).click();
    await page.waitForURL(/tab=diff$/);
    await page.getByRole('tab', { name: /Report/ }).click();
    await page.waitForURL(/tab=report$/);
    await page.goBack();
    await page.waitForURL(/tab=diff$/);
    expect(await page.getByRole('tab', { name: /Diff/ }).getAttribute('aria-selected')).toBe('true');
    await page.goBack();
    await page.waitForURL(new RegExp(`/sessions/${id}$`));
    expect(await page.getByRole('tab', { name: /Timeline/ }).getAttribute('aria-selected')).toBe('true');
  }, 60_000);

  it('follows the bottom of a live session until the reader scrolls up, and again once back down', async () => {
    const id = 'sess-follow';
    await harness.store.createSession(
      newSession(id, { task: 'Follow me', repo: harness.repo, state: 'working' }),
    );
    const usage = { inputTokens: 1, outputTokens: 1, costUsd: 0 };
    const reply = (step: number): EventData => ({
      type: 'model.response',
      step,
      text: `Reply ${step}, long enough to take a line of its own in the timeline.`,
      toolCalls: 0,
      usage,
      durationMs: 10,
    });
    await record(
      id,
      Array.from({ length: 80 }, (_, index) => reply(index + 1)),
    );
    const page = await pages.newPage();
    await page.goto(`${server.url}/sessions/${id}#token=${harness.tokens.viewer}`);
    await page.locator('[data-kind=text]', { hasText: 'Reply 80' }).waitFor({ timeout: TIMEOUT_MS });
    await expect.poll(() => atBottom(page)).toBe(true);
    expect(await scrollY(page)).toBeGreaterThan(1000);

    await page.evaluate('window.scrollTo({ top: 0 })');
    await record(id, [reply(81), reply(82)]);
    await page.locator('[data-kind=text]', { hasText: 'Reply 82' }).waitFor();
    await page.waitForTimeout(200);
    expect(await scrollY(page)).toBe(0);
    await page.getByRole('button', { name: /Follow the latest/ }).click();
    await record(id, [reply(83)]);
    await page.locator('[data-kind=text]', { hasText: 'Reply 83' }).waitFor();
    await expect.poll(() => atBottom(page)).toBe(true);
  }, 60_000);
});
