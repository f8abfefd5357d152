/**
 * Headless Chromium inside the session's sandbox, driven from drydock through playwright-core. The
 * browser is a command in the sandbox (`--remote-debugging-pipe`, its DevTools pipe on the command's
 * stdin and stdout: ExecOptions.stdin), so the pages it loads reach only what the sandbox reaches (its
 * own loopback, where `start` services listen, and its egress policy) and a hostile page attacks the
 * sandbox, not the host. Chromium's own sandbox is off (`--no-sandbox`): the sandbox is the boundary.
 */
import type { Browser, Page } from 'playwright-core';
import type { Sandbox } from '../../core/ports/sandbox.ts';
import { createTextChannel } from '../../core/text-channel.ts';
import { truncateText } from '../../core/truncate.ts';
import { ToolError } from '../tool.ts';
import type { BrowserOperations, BrowserWait, PageSummary } from '../tools/browser.ts';

/** Program names of Chromium, looked for on the sandbox's PATH in this order. */
export const CHROMIUM_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome-stable',
  'google-chrome',
  'headless_shell',
];

export const CHROMIUM_FLAGS = [
  '--headless',
  // The sandbox drydock runs Chromium in is the boundary; Chromium's own needs namespaces it may not make there.
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-crash-reporter',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--remote-debugging-pipe',
];

/** How long one action (a click, a navigation) may take before the tool reports it as failed. */
export const ACTION_TIMEOUT_MS = 15_000;
const LAUNCH_TIMEOUT_MS = 30_000;
/** Console errors and failed requests kept between reads, newest last. */
const MAX_KEPT = 50;
const VIEWPORT = { width: 1280, height: 800 };

export interface SandboxBrowserOptions {
  /** The session's sandbox now (a replaced sandbox gets a new browser on the next call). */
  sandbox: () => Sandbox;
}

export interface SandboxBrowser extends BrowserOperations {
  /** Stops Chromium and the bridge. Idempotent; the next call starts a new browser. */
  close(): Promise<void>;
}

interface Running {
  sandbox: Sandbox;
  /** Chromium (or its sandbox) ended: the next call launches a new one. */
  ended: () => boolean;
  browser: Browser;
  page: Page;
  stop(): Promise<void>;
}

export function createSandboxBrowser(options: SandboxBrowserOptions): SandboxBrowser {
  let running: Promise<Running> | undefined;
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  const keep = (list: string[], entry: string): void => {
    list.push(truncateText(entry, 500));
    if (list.length > MAX_KEPT) list.shift();
  };

  const launch = async (): Promise<Running> => {
    const sandbox = options.sandbox();
    const found = await sandbox.exec(
      `for name in ${CHROMIUM_NAMES.join(' ')}; do command -v "$name" && exit 0; done; exit 1`,
      { timeoutMs: 10_000 },
    );
    const program = found.output.trim().split('\n')[0] ?? '';
    if (found.exitCode !== 0 || program === '') {
      throw new ToolError(
        `No Chromium in this sandbox (looked for ${CHROMIUM_NAMES.join(', ')} on its PATH). The browser tool runs ` +
          "Chromium inside the sandbox: on an image root, the image (or the repository's setup) must install it.",
      );
    }
    const stdin = createTextChannel();
    // Loaded with the first browser: its WebSocket server is not worth importing on every start.
    const { startCdpPipeBridge } = await import('./cdp-pipe-bridge.ts');
    const bridge = await startCdpPipeBridge((message) => stdin.push(message));
    const stop = new AbortController();
    let stderr = '';
    // fd 3 reads the DevTools pipe from stdin, fd 4 writes it to stdout; Chromium's own stdout is dropped.
    const command =
      `dir=$(mktemp -d) && exec '${program.replaceAll("'", `'\\''`)}' ${CHROMIUM_FLAGS.join(' ')} ` +
      `--user-data-dir="$dir" about:blank 3<&0 4>&1 >/dev/null`;
    const exited = sandbox
      .exec(command, {
        stdin,
        signal: stop.signal,
        maxOutputBytes: 64 * 1024,
        onOutput: (chunk, stream) => {
          if (stream === 'stdout') bridge.fromBrowser(chunk);
          else stderr = `${stderr}${chunk}`.slice(-4000);
        },
      })
      .then(
        (result) => `exited with ${result.exitCode ?? result.signal}`,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
    const shutDown = async (): Promise<void> => {
      stop.abort();
      stdin.close();
      await bridge.close();
    };
    let ended = false;
    void exited.then(() => {
      ended = true;
      void bridge.close();
    });
    try {
      const { chromium } = await import('playwright-core');
      const browser = await Promise.race([
        chromium.connectOverCDP(bridge.endpoint, { timeout: LAUNCH_TIMEOUT_MS }),
        exited.then((how) => {
          throw new ToolError(
            `Chromium (${program}) did not start: it ${how}.\n${truncateText(stderr, 2000)}`,
          );
        }),
      ]);
      const context = browser.contexts()[0] ?? (await browser.newContext());
      const page = context.pages()[0] ?? (await context.newPage());
      await page.setViewportSize(VIEWPORT);
      page.setDefaultTimeout(ACTION_TIMEOUT_MS);
      page.on('console', (message) => {
        if (message.type() === 'error') keep(consoleErrors, `console.error: ${message.text()}`);
      });
      page.on('pageerror', (error) => keep(consoleErrors, `uncaught: ${error.message}`));
      page.on('requestfailed', (request) =>
        keep(
          failedRequests,
          `${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'failed'}`,
        ),
      );
      page.on('response', (response) => {
        if (response.status() >= 400) {
          keep(failedRequests, `${response.request().method()} ${response.url()}: HTTP ${response.status()}`);
        }
      });
      return {
        sandbox,
        ended: () => ended,
        browser,
        page,
        stop: async () => {
          await browser.close().catch(() => {});
          await shutDown();
        },
      };
    } catch (error) {
      await shutDown();
      throw error instanceof ToolError
        ? error
        : new ToolError(
            `Chromium (${program}) started but drydock could not drive it: ${error instanceof Error ? error.message : String(error)}\n${truncateText(stderr, 2000)}`,
          );
    }
  };
  const page = async (): Promise<Page> => {
    const live = await running?.catch(() => undefined);
    if (!live || live.ended() || live.sandbox !== options.sandbox()) {
      await close();
      const launching = launch();
      running = launching;
      launching.catch(() => {
        if (running === launching) running = undefined;
      });
      return (await launching).page;
    }
    return live.page;
  };
  const close = async (): Promise<void> => {
    const was = running;
    running = undefined;
    const live = await was?.catch(() => undefined);
    await live?.stop();
  };
  const act = async <T>(what: string, action: (page: Page) => Promise<T>): Promise<T> => {
    const live = await page();
    try {
      return await action(live);
    } catch (error) {
      if (error instanceof ToolError) throw error;
      // Playwright's messages name the selector and what it waited for; the call log after them is noise.
      const message = (error instanceof Error ? error.message : String(error)).split('\nCall log:')[0] ?? '';
      throw new ToolError(`${what} failed: ${truncateText(message, 1000)}`);
    }
  };
  const summary = async (live: Page, status: number | null): Promise<PageSummary> => ({
    url: live.url(),
    status,
    title: await live.title().catch(() => ''),
  });

  return {
    navigate: (url) =>
      act(`navigate to ${url}`, async (live) => {
        const response = await live.goto(url, { waitUntil: 'load' });
        return summary(live, response?.status() ?? null);
      }),
    click: (selector) =>
      act(`click ${selector}`, async (live) => {
        await live.click(selector);
        return summary(live, null);
      }),
    type: (selector, text) =>
      act(`type into ${selector}`, async (live) => {
        await live.fill(selector, text);
        return summary(live, null);
      }),
    wait: (target: BrowserWait) =>
      act(`wait for ${'selector' in target ? target.selector : `${target.ms} ms`}`, async (live) => {
        if ('selector' in target) await live.waitForSelector(target.selector, { state: 'visible' });
        else await live.waitForTimeout(target.ms);
        return summary(live, null);
      }),
    screenshot: (fullPage) => act('screenshot', (live) => live.screenshot({ fullPage, type: 'png' })),
    // Playwright's innerText, not the DOM's: the text a person sees (hidden elements left out) is the point.
    // biome-ignore lint/performance/useDomNodeTextContent: a Playwright page method, not a DOM node's property
    text: (selector) => act(`text of ${selector}`, (live) => live.innerText(selector)),
    consoleErrors: async () => consoleErrors.splice(0),
    failedRequests: async () => failedRequests.splice(0),
    close,
  };
}
