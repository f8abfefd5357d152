/** Test results as the verification gate sees them, whatever runner produced them. Pure. */

import { truncateText } from '../core/truncate.ts';

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestCase {
  /**
   * Stable across runs of the same command: file (or package) + suite path + name, joined with " > "
   * (e.g. "test/stats.test.js > mean > of several numbers"). Runners with a native id keep it
   * (pytest's node id "tests/test_x.py::TestX::test_y", go's "pkg > TestX/sub").
   */
  id: string;
  status: TestStatus;
  durationMs?: number;
  /** The tail of the failure message, at most MAX_MESSAGE_CHARS. */
  message?: string;
}

export interface TestRun {
  runner: string;
  tests: TestCase[];
  summary: { passed: number; failed: number; skipped: number };
  /** False when no parser recognised the output: `tests` is empty and says nothing. */
  parsed: boolean;
}

export const ID_SEPARATOR = ' > ';
export const MAX_MESSAGE_CHARS = 2_000;

export function joinId(parts: readonly string[]): string {
  return parts.filter((part) => part.length > 0).join(ID_SEPARATOR);
}

/** Keeps the end of a failure message: the assertion and its location are usually last. */
export function capMessage(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  return truncateText(trimmed, MAX_MESSAGE_CHARS, { keep: 'tail' });
}

const STATUS_RANK: Record<TestStatus, number> = { skipped: 0, passed: 1, failed: 2 };

/**
 * One case per id. A repeated id (two files with the same suite names, a test reported twice) keeps the
 * worst status, so a duplicate can never hide a failure. First-seen order is kept.
 */
export function dedupeTests(tests: readonly TestCase[]): TestCase[] {
  const byId = new Map<string, TestCase>();
  for (const test of tests) {
    const seen = byId.get(test.id);
    if (!seen) byId.set(test.id, test);
    else if (STATUS_RANK[test.status] > STATUS_RANK[seen.status]) byId.set(test.id, { ...test });
    else if (!seen.message && test.message && seen.status === test.status) {
      byId.set(test.id, { ...seen, message: test.message });
    }
  }
  return [...byId.values()];
}

export function summarize(tests: readonly TestCase[]): TestRun['summary'] {
  const summary = { passed: 0, failed: 0, skipped: 0 };
  for (const test of tests) summary[test.status] += 1;
  return summary;
}

/** A run from a parser's answer; `null` (output not recognised) gives an unparsed, empty run. */
export function toTestRun(runner: string, tests: readonly TestCase[] | null): TestRun {
  if (tests === null) return { runner, tests: [], summary: summarize([]), parsed: false };
  const unique = dedupeTests(tests);
  return { runner, tests: unique, summary: summarize(unique), parsed: true };
}

/** Removes ANSI escape sequences (colours, cursor moves, OSC links) and normalises line ends. */
export function stripAnsi(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
      .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
      .replace(/[\u001b\u009b][[()#;?]*(?:\d{1,4}(?:;\d{0,4})*)?[\dA-ORZcf-nqry=><~]/g, '')
      .replace(/\r\n/g, '\n')
      // A lone carriage return redraws the line: what follows it is what was left on screen.
      .replace(/^.*\r(?=[^\n])/gm, '')
      .replace(/\r/g, '')
  );
}

/** Makes ids that start with an absolute workspace path (jest --json) relative to it. */
export function relativizeIds(tests: readonly TestCase[], rootDir: string): TestCase[] {
  const prefix = rootDir.endsWith('/') ? rootDir : `${rootDir}/`;
  return tests.map((test) =>
    test.id.startsWith(prefix) ? { ...test, id: test.id.slice(prefix.length) } : test,
  );
}

/** Removes the indent the lines share; blank lines do not count. */
export function dedent(lines: readonly string[]): string {
  const indents = lines.filter((line) => line.trim()).map((line) => /^(\s*)/.exec(line)?.[1]?.length ?? 0);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(cut)).join('\n');
}

export function parseDurationMs(value: string, unit: string): number {
  const amount = Number(value);
  if (unit === 's') return amount * 1000;
  if (unit === 'm') return amount * 60_000;
  return amount;
}
