import { z } from 'zod';
import type { ToolImage } from '../../core/events.ts';
import { truncateText } from '../../core/truncate.ts';
import { defineTool, type ToolDefinition, ToolError, type ToolOutput } from '../tool.ts';

/** Where the page is after an action. */
export interface PageSummary {
  url: string;
  /** The HTTP status of a navigation's document; null for other actions. */
  status: number | null;
  title: string;
}

export type BrowserWait = { selector: string } | { ms: number };

/**
 * What the `browser` tool drives: one page of a headless browser (agent/browser/sandbox-browser.ts runs
 * Chromium inside the session's sandbox). Failures throw ToolError with a message for the model.
 */
export interface BrowserOperations {
  navigate(url: string): Promise<PageSummary>;
  click(selector: string): Promise<PageSummary>;
  /** Replaces the field's value with `text`. */
  type(selector: string, text: string): Promise<PageSummary>;
  wait(target: BrowserWait): Promise<PageSummary>;
  screenshot(fullPage: boolean): Promise<Uint8Array>;
  /** The element's visible text. */
  text(selector: string): Promise<string>;
  /** Console errors and uncaught exceptions since the last call, oldest first. */
  consoleErrors(): Promise<string[]>;
  /** Requests that failed (network errors, HTTP 4xx and 5xx) since the last call, oldest first. */
  failedRequests(): Promise<string[]>;
}

/** Where a screenshot goes: a PNG artifact of the session; returns its id. */
export type SaveScreenshot = (name: string, png: Uint8Array) => Promise<string>;

/** A screenshot larger than this is refused (take the viewport, not the full page). */
export const MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024;
const MAX_TEXT_CHARS = 4_000;
const MAX_WAIT_MS = 30_000;

const SCREENSHOT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const inputSchema = z
  .object({
    action: z
      .enum(['navigate', 'click', 'type', 'wait', 'screenshot', 'console', 'requests', 'text'])
      .describe('What to do'),
    url: z.string().optional().describe('navigate: the address, e.g. http://localhost:3000/'),
    selector: z
      .string()
      .optional()
      .describe(
        'click, type, text, wait: a Playwright selector (CSS, `text=Save`, `role=button[name="Save"]`)',
      ),
    text: z
      .string()
      .max(10_000)
      .optional()
      .describe('type: the text to put in the field (replaces its value)'),
    ms: z
      .number()
      .int()
      .min(1)
      .max(MAX_WAIT_MS)
      .optional()
      .describe('wait: milliseconds, instead of a selector'),
    name: z
      .string()
      .regex(SCREENSHOT_NAME)
      .optional()
      .describe('screenshot: lowercase name; `before-…` and `after-…` pairs show side by side in the PR'),
    fullPage: z.boolean().optional().describe('screenshot: the whole page, not just the 1280×800 viewport'),
  })
  .superRefine((input, context) => {
    const need = (field: 'url' | 'selector' | 'text' | 'name'): void => {
      if (input[field] === undefined) {
        context.addIssue({ code: 'custom', path: [field], message: `${input.action} needs ${field}` });
      }
    };
    if (input.action === 'navigate') need('url');
    if (input.action === 'click' || input.action === 'text') need('selector');
    if (input.action === 'type') {
      need('selector');
      need('text');
    }
    if (input.action === 'screenshot') need('name');
    if (input.action === 'wait' && (input.selector === undefined) === (input.ms === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['selector'],
        message: 'wait needs a selector or ms, not both',
      });
    }
  });

type BrowserInput = z.infer<typeof inputSchema>;

/**
 * `browser`: a headless Chromium page inside the sandbox, for UI work: start the app (bash, in the
 * background, or the repository's `start` services), look at it, and prove the change with screenshots.
 */
export function createBrowserTool(
  browser: BrowserOperations,
  saveScreenshot: SaveScreenshot,
): ToolDefinition {
  return defineTool({
    name: 'browser',
    description:
      'Drive a headless Chromium page running inside your sandbox: it reaches what the sandbox reaches ' +
      '(servers you started on localhost, the `start` services), nothing else. One page, kept between ' +
      'calls. Actions: navigate {url}; click {selector}; type {selector, text} (replaces the value); wait ' +
      '{selector} (until visible) or {ms}; text {selector} (visible text, capped); screenshot {name, ' +
      'fullPage?} (a PNG kept with the session, shown in the timeline and in the pull request: name them ' +
      '`before-<what>` before your change and `after-<what>` after it to show both); console (console ' +
      'errors and uncaught exceptions since the last look); requests (failed requests since the last ' +
      'look). Start the app first (e.g. `npm run dev > /tmp/dev.log 2>&1 &`) and wait for its port.',
    inputSchema,
    execute: (input: BrowserInput) => runAction(browser, saveScreenshot, input),
  });
}

async function runAction(
  browser: BrowserOperations,
  saveScreenshot: SaveScreenshot,
  input: BrowserInput,
): Promise<ToolOutput> {
  // The schema's refinement guarantees the fields each action needs; `required` narrows them once.
  const required = <T>(value: T | undefined, field: string): T => {
    if (value === undefined) throw new ToolError(`${input.action} needs ${field}.`);
    return value;
  };
  switch (input.action) {
    case 'navigate':
      return pageOutput(await browser.navigate(required(input.url, 'url')), 'loaded');
    case 'click':
      return pageOutput(await browser.click(required(input.selector, 'selector')), 'clicked');
    case 'type':
      return pageOutput(
        await browser.type(required(input.selector, 'selector'), required(input.text, 'text')),
        'typed',
      );
    case 'wait':
      return pageOutput(
        await browser.wait(
          input.selector === undefined ? { ms: required(input.ms, 'ms') } : { selector: input.selector },
        ),
        'waited',
      );
    case 'text': {
      const text = await browser.text(required(input.selector, 'selector'));
      return { output: text === '' ? '(no visible text)' : truncateText(text, MAX_TEXT_CHARS) };
    }
    case 'console':
      return listOutput(
        await browser.consoleErrors(),
        'console error',
        'No console errors since the last look.',
      );
    case 'requests':
      return listOutput(
        await browser.failedRequests(),
        'failed request',
        'No failed requests since the last look.',
      );
    case 'screenshot': {
      const name = required(input.name, 'name');
      const png = await browser.screenshot(input.fullPage ?? false);
      if (png.byteLength > MAX_SCREENSHOT_BYTES) {
        throw new ToolError(
          `The screenshot is ${kib(png.byteLength)}, over the ${kib(MAX_SCREENSHOT_BYTES)} limit: take the viewport (fullPage false) or scroll to what matters.`,
        );
      }
      const artifactId = await saveScreenshot(name, png);
      const image: ToolImage = { name, artifactId };
      return {
        output: `Saved screenshot ${name} (${kib(png.byteLength)} PNG, artifact ${artifactId}): it shows in the timeline and the pull request.`,
        summary: `screenshot ${name}`,
        images: [image],
      };
    }
  }
}

function pageOutput(page: PageSummary, verb: string): ToolOutput {
  const status = page.status === null ? '' : ` (HTTP ${page.status})`;
  const title = page.title === '' ? '' : `, title "${truncateText(page.title, 200)}"`;
  return { output: `${verb}: now at ${page.url}${status}${title}` };
}

function listOutput(entries: string[], noun: string, none: string): ToolOutput {
  if (entries.length === 0) return { output: none, summary: `no ${noun}s` };
  const summary = `${entries.length} ${noun}${entries.length === 1 ? '' : 's'}`;
  return { output: `${summary}:\n${entries.map((entry) => `- ${entry}`).join('\n')}`, summary };
}

function kib(bytes: number): string {
  return `${Math.round(bytes / 1024)} KiB`;
}
