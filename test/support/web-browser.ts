import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/** Debian's Chromium: `npx playwright install` cannot reach its download host here. */
export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
const ROOT = resolve(import.meta.dirname, '..', '..');
/** Screenshots a person looks at; not compared by the tests. */
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/**
 * Builds the UI as it is now into a directory of its own and returns it, for the server's `webRoot`. Not
 * web/dist: browser test files run in parallel, and one's build would empty the directory another's
 * server is serving. Removed when the test process exits.
 */
export async function buildWeb(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'drydock-web-'));
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'vite'),
    ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  await mkdir(ARTIFACTS, { recursive: true });
  return outDir;
}

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export interface PageOptions {
  colorScheme?: 'light' | 'dark';
  /** Default 1280 × 860; a phone is 390 × 844. */
  viewport?: { width: number; height: number };
}

/**
 * The Chromium side of a browser test file, as hooks: Chromium launched before its tests (after the
 * file's own beforeAll, which starts its server), and after them every page and Chromium closed, then
 * `closeServer` (the file's server and harness). Pages are in their own contexts and fail the test on
 * any uncaught page error.
 */
export function useChromium(closeServer: () => Promise<void>): {
  newPage(options?: PageOptions): Promise<Page>;
} {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await closeServer();
  }, 60_000);
  return {
    async newPage(options = {}) {
      if (!browser) throw new Error('Chromium is not running: useChromium starts it in beforeAll');
      const context = await browser.newContext({
        viewport: options.viewport ?? { width: 1280, height: 860 },
        colorScheme: options.colorScheme ?? 'light',
      });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => {
        throw new Error(`page error: ${error.message}`);
      });
      return page;
    },
  };
}

/** A screenshot into test-artifacts/. A full-page one unsticks the sticky bars so they are not painted mid-page. */
export async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  const unstick = fullPage
    ? await page.addStyleTag({ content: '.topbar, .follow-up { position: static !important; }' })
    : null;
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage });
  await unstick?.evaluate((el) => el.remove());
}
