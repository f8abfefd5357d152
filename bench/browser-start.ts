import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS, createSandboxBrowser } from '../src/agent/browser/sandbox-browser.ts';
import type { Sandbox } from '../src/core/ports/sandbox.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import type { BenchContext, Benchmark } from './benchmark.ts';
import { measureInterleaved, summaryOf, timed } from './measure.ts';
import { runChecked } from './processes.ts';

const CHROMIUM = '/usr/bin/chromium';
const HOST_START = 'host: chromium.launch (pipe) → page → close';
const SANDBOX_START = 'sandbox: browser tool start → page → close';
const HOST_ACTION = "host: page.innerText('body')";
const SANDBOX_ACTION = "sandbox: browser.text('body') (pipe → supervisor → bridge)";
const PAGE = 'data:text/html,<title>bench</title><p>hello</p>';

/** The same flags the browser tool gives Chromium, less the pipe (playwright's launch adds its own). */
const HOST_ARGS = CHROMIUM_FLAGS.filter((flag) => flag !== '--remote-debugging-pipe');

async function benchSandbox(
  context: BenchContext,
): Promise<{ sandbox: Sandbox; destroy: () => Promise<void> }> {
  const workspacePath = join(await context.scratch('browser'), 'workspace');
  await runChecked('mkdir', [workspacePath]);
  const sandbox = await createBubblewrapProvider().create({ sessionId: 'bench-browser', workspacePath });
  return { sandbox, destroy: context.track(sandbox) };
}

export const browserStart: Benchmark = {
  id: 'browser-start',
  title: 'Browser tool: starting Chromium in the sandbox',
  baseline:
    "playwright-core's own chromium.launch on the host, the same Chromium and flags, no sandbox in between",

  async run(context) {
    const { sandbox, destroy } = await benchSandbox(context);
    const startOnHost = async (): Promise<void> => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: HOST_ARGS });
      const page = await browser.newPage();
      await page.goto(PAGE);
      await browser.close();
    };
    const startInSandbox = async (): Promise<void> => {
      const browser = createSandboxBrowser({ sandbox: () => sandbox });
      await browser.navigate(PAGE);
      await browser.close();
    };
    try {
      const starts = await measureInterleaved(
        [
          { label: HOST_START, run: () => timed(startOnHost) },
          { label: SANDBOX_START, run: () => timed(startInSandbox) },
        ],
        {
          signal: context.signal,
          iterations: context.iterations({ full: 8, quick: 3 }),
          warmup: context.warmup({ full: 1, quick: 1 }),
        },
      );
      return {
        rows: [
          { label: HOST_START, short: 'host launch', baseline: true, summary: summaryOf(starts, HOST_START) },
          { label: SANDBOX_START, summary: summaryOf(starts, SANDBOX_START) },
        ],
        notes: [
          'The sandbox start also finds Chromium on the sandbox PATH (one exec) and starts the host bridge before connectOverCDP.',
        ],
      };
    } finally {
      await destroy();
    }
  },
};

export const browserAction: Benchmark = {
  id: 'browser-action',
  title: 'Browser tool: one page action through the sandbox',
  baseline: 'the same action on a page of a Chromium playwright-core launched on the host',

  async run(context) {
    const { sandbox, destroy } = await benchSandbox(context);
    const hostBrowser = await chromium.launch({ executablePath: CHROMIUM, args: HOST_ARGS });
    const sandboxBrowser = createSandboxBrowser({ sandbox: () => sandbox });
    try {
      const hostPage = await hostBrowser.newPage();
      await hostPage.goto(PAGE);
      await sandboxBrowser.navigate(PAGE);
      const actions = await measureInterleaved(
        [
          // biome-ignore lint/performance/useDomNodeTextContent: a Playwright page method, not a DOM node's property
          { label: HOST_ACTION, run: () => timed(() => hostPage.innerText('body')) },
          { label: SANDBOX_ACTION, run: () => timed(() => sandboxBrowser.text('body')) },
        ],
        {
          signal: context.signal,
          iterations: context.iterations({ full: 100, quick: 20 }),
          warmup: context.warmup({ full: 10, quick: 3 }),
        },
      );
      return {
        rows: [
          { label: HOST_ACTION, short: 'host', baseline: true, summary: summaryOf(actions, HOST_ACTION) },
          { label: SANDBOX_ACTION, summary: summaryOf(actions, SANDBOX_ACTION) },
        ],
        notes: [
          'Each DevTools message crosses the supervisor (JSON lines) and the host bridge (a WebSocket), both ways.',
        ],
      };
    } finally {
      await sandboxBrowser.close();
      await hostBrowser.close();
      await destroy();
    }
  },
};
