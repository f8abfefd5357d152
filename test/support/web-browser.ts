import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium: `npx playwright install` cannot reach its download host here. */
export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
const ROOT = resolve(import.meta.dirname, '..', '..');
export const WEB_DIST = join(ROOT, 'web', 'dist');
/** Screenshots a person looks at; not compared by the tests. */
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** The server serves whatever is in web/dist: builds the UI as it is now. */
export async function buildWeb(): Promise<void> {
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'vite'),
    ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  await mkdir(ARTIFACTS, { recursive: true });
}

export function launchChromium(): Promise<Browser> {
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
 * Pages in their own contexts, failing the test on any uncaught page error; `close` ends them all.
 */
export function pageMaker(browser: () => Browser): {
  newPage(options?: PageOptions): Promise<Page>;
  close(): Promise<void>;
} {
  const contexts: BrowserContext[] = [];
  return {
    async newPage(options = {}) {
      const context = await browser().newContext({
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
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
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
