import type { ReportFormat } from '../test-reporters.ts';
import { relativizeIds, type TestCase, type TestRun, toTestRun } from '../test-results.ts';
import { parseJestJson } from './jest-json.ts';
import { parseJunit } from './junit.ts';
import { parseMochaJson } from './mocha-json.ts';
import { parsePlaywrightJson } from './playwright-json.ts';
import { parseTap } from './tap.ts';
import { parseTape } from './tape.ts';

const PARSERS: Record<ReportFormat, (text: string, runner: string) => TestCase[] | null> = {
  'jest-json': parseJestJson,
  'mocha-json': parseMochaJson,
  'playwright-json': parsePlaywrightJson,
  junit: (text, runner) => (runner === 'node-test' ? nodeJunit(text) : parseJunit(text, {})),
  tap: (text, runner) => (runner === 'tape' ? parseTape(text) : parseTap(text)),
};

/**
 * node:test's junit reporter (Node 20 and 22) escapes `"` as `&quot;` and then its `&` again: a name
 * `"default" function` is written `&amp;quot;default&amp;quot; function`. Read once more, it is the
 * runner's own name.
 */
function nodeJunit(text: string): TestCase[] | null {
  const tests = parseJunit(text, { ids: 'suites' });
  return tests?.map((test) => ({ ...test, id: test.id.replaceAll('&quot;', '"') })) ?? null;
}

/**
 * A runner's machine-readable report as a test run. Paths in ids are made relative to `root` (the
 * workspace in the sandbox), so they read as the repository names its files. Null when the text is
 * not a report in that format. Pure.
 */
export function parseReport(
  format: ReportFormat,
  text: string,
  runner: string,
  root: string,
): TestRun | null {
  const tests = PARSERS[format](text, runner);
  return tests === null ? null : toTestRun(runner, relativizeIds(tests, root));
}
