import { describe, expect, it } from 'vitest';
import { runTool } from '../run-tool.ts';
import type { ToolContext } from '../tool.ts';
import { type BrowserOperations, createBrowserTool, MAX_SCREENSHOT_BYTES } from './browser.ts';

function fakeBrowser(
  png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
): BrowserOperations & { calls: string[] } {
  const calls: string[] = [];
  const page = (url = 'http://localhost:3000/') => ({ url, status: null, title: 'Todo' });
  return {
    calls,
    navigate: async (url) => {
      calls.push(`navigate ${url}`);
      return { url, status: 200, title: 'Todo' };
    },
    click: async (selector) => {
      calls.push(`click ${selector}`);
      return page();
    },
    type: async (selector, text) => {
      calls.push(`type ${selector} ${text}`);
      return page();
    },
    wait: async (target) => {
      calls.push(`wait ${JSON.stringify(target)}`);
      return page();
    },
    screenshot: async (fullPage) => {
      calls.push(`screenshot ${fullPage}`);
      return png;
    },
    text: async () => 'x'.repeat(10_000),
    consoleErrors: async () => ['console.error: boom'],
    failedRequests: async () => [],
  };
}

const context = { sandbox: {}, signal: new AbortController().signal } as unknown as ToolContext;

describe('browser tool', () => {
  it('runs each action on the page and says where the page is', async () => {
    const browser = fakeBrowser();
    const tools = new Map([['browser', createBrowserTool(browser, async () => 'a1')]]);
    const loaded = await runTool(
      tools,
      'browser',
      { action: 'navigate', url: 'http://localhost:3000/' },
      context,
    );
    expect(loaded.output).toBe('loaded: now at http://localhost:3000/ (HTTP 200), title "Todo"');
    await runTool(tools, 'browser', { action: 'type', selector: '#new', text: 'milk' }, context);
    await runTool(tools, 'browser', { action: 'wait', ms: 50 }, context);
    expect(browser.calls).toEqual(['navigate http://localhost:3000/', 'type #new milk', 'wait {"ms":50}']);
    const errors = await runTool(tools, 'browser', { action: 'console' }, context);
    expect(errors.output).toBe('1 console error:\n- console.error: boom');
    const requests = await runTool(tools, 'browser', { action: 'requests' }, context);
    expect(requests.output).toBe('No failed requests since the last look.');
    const text = await runTool(tools, 'browser', { action: 'text', selector: 'body' }, context);
    expect(text.output.length).toBeLessThan(4_200);
  });

  it('refuses an action without the fields it needs, before touching the page', async () => {
    const browser = fakeBrowser();
    const tools = new Map([['browser', createBrowserTool(browser, async () => 'a1')]]);
    const results = await Promise.all([
      runTool(tools, 'browser', { action: 'click' }, context),
      runTool(tools, 'browser', { action: 'wait', selector: '#x', ms: 5 }, context),
      runTool(tools, 'browser', { action: 'screenshot', name: '../etc' }, context),
    ]);
    for (const result of results) expect(result.isError).toBe(true);
    expect(results[0]?.output).toContain('click needs selector');
    expect(browser.calls).toEqual([]);
  });

  it('stores a screenshot through the session and reports it as an image of the call', async () => {
    const saved: Array<{ name: string; bytes: number }> = [];
    const tools = new Map([
      [
        'browser',
        createBrowserTool(fakeBrowser(), async (name, png) => {
          saved.push({ name, bytes: png.byteLength });
          return 'art-7';
        }),
      ],
    ]);
    const result = await runTool(tools, 'browser', { action: 'screenshot', name: 'after-list' }, context);
    expect(result.isError).toBe(false);
    expect(result.images).toEqual([{ name: 'after-list', artifactId: 'art-7' }]);
    expect(saved).toEqual([{ name: 'after-list', bytes: 4 }]);
  });

  it('refuses a screenshot over the size cap without storing it', async () => {
    let stored = false;
    const big = new Uint8Array(MAX_SCREENSHOT_BYTES + 1);
    const tools = new Map([
      [
        'browser',
        createBrowserTool(fakeBrowser(big), async () => {
          stored = true;
          return 'x';
        }),
      ],
    ]);
    const result = await runTool(
      tools,
      'browser',
      { action: 'screenshot', name: 'big', fullPage: true },
      context,
    );
    expect(result.isError).toBe(true);
    expect(result.output).toContain('over the');
    expect(stored).toBe(false);
  });
});
