import {
  capMessage,
  dedent,
  ID_SEPARATOR,
  parseDurationMs,
  stripAnsi,
  type TestCase,
  type TestStatus,
} from '../test-results.ts';

/**
 * vitest's default and verbose reporters (v3 and v4). Verbose prints one line per test with its full id
 * ("file > suite > name"), which is what the gate should ask for. The default reporter lists the tests
 * of failing files only, and v4 drops the suite names from that list: a test whose suite path is not
 * printed is left out (failed ones come back with full ids from the "Failed Tests" section). A file
 * that failed to load ("FAIL  file [ file ]") becomes one failed case with the file as its id.
 */
export function parseVitest(output: string): TestCase[] | null {
  const lines = stripAnsi(output).split('\n');
  if (!lines.some((line) => /^\s*Test Files\s+\d/.test(line) || /^\s*RUN\s+v\d/.test(line))) return null;

  const cases = new Map<string, TestCase>();
  /** Stores a case (a later failure wins over an earlier report) and returns the stored one. */
  const put = (test: TestCase): TestCase => {
    const seen = cases.get(test.id);
    const stored = !seen || test.status === 'failed' ? { ...seen, ...test } : seen;
    cases.set(test.id, stored);
    return stored;
  };
  const failedSectionAt = lines.findIndex((line) => FAILED_SECTION.test(line));
  const tree = failedSectionAt < 0 ? lines : lines.slice(0, failedSectionAt);
  let file: string | undefined;
  let last: TestCase | undefined;
  for (const line of tree) {
    const header = FILE_HEADER.exec(line);
    if (header) {
      file = header[1];
      last = undefined;
      continue;
    }
    const arrow = /^\s+→ (.*)$/.exec(line);
    if (arrow && last?.status === 'failed') {
      last.message = capMessage(arrow[1]);
      continue;
    }
    last = undefined;
    const match = TEST_LINE.exec(line);
    if (!match) continue;
    const [, indent = '', marker = '', text = '', amount, unit] = match;
    const status = STATUS[marker] ?? 'skipped';
    // Skipped tests print no duration, so a trailing "5s" is part of their name.
    const timed = status !== 'skipped' && amount !== undefined && unit !== undefined;
    const name = timed || amount === undefined ? text : `${text} ${amount}${unit}`;
    const id = idFor(name, indent.length, file);
    if (!id) continue;
    last = put({ id, status, ...(timed ? { durationMs: parseDurationMs(amount, unit) } : {}) });
  }
  if (failedSectionAt >= 0) for (const test of parseFailures(lines.slice(failedSectionAt))) put(test);
  return [...cases.values()];
}

const FAILED_SECTION = /^⎯+ Failed (Tests|Suites) \d+ ⎯+$/;
const FILE_HEADER = /^ [✓❯×↓] (\S.*?) \(\d+ tests?(?: \|[^)]*)?\)(?: \d+(?:\.\d+)?m?s)?$/;
const TEST_LINE = /^(\s+)([✓×↓□]) (.+?)(?: (\d+(?:\.\d+)?)(ms|s))?$/;
const STATUS: Record<string, TestStatus> = { '✓': 'passed', '×': 'failed', '↓': 'skipped', '□': 'skipped' };

/**
 * Verbose lines carry the whole id. Under a file header (default reporter), a line one level in is
 * "suite > name" relative to the file in v3; deeper lines (v4) lack their suite names.
 */
function idFor(name: string, indent: number, file: string | undefined): string | undefined {
  if (indent === 1) return name;
  if (file !== undefined && indent === 3) return `${file}${ID_SEPARATOR}${name}`;
  return undefined;
}

/** " FAIL  id" lines (several may share one error) followed by the error, until a ⎯ rule. */
function parseFailures(lines: string[]): TestCase[] {
  const failures: TestCase[] = [];
  let group: TestCase[] = [];
  let body: string[] = [];
  const flush = () => {
    const message = capMessage(dedent(body));
    for (const test of group) failures.push(message ? { ...test, message } : test);
    group = [];
    body = [];
  };
  for (const line of lines) {
    const fail = /^ FAIL {1,2}(.+?)(?: \[ (.+) \])?$/.exec(line);
    if (fail) {
      if (body.length > 0) flush();
      group.push({ id: (fail[2] ?? fail[1] ?? '').trim(), status: 'failed' });
    } else if (/^⎯/.test(line) || /^\s*Test Files\s+\d/.test(line)) {
      if (group.length > 0) flush();
    } else if (group.length > 0) body.push(line);
  }
  if (group.length > 0) flush();
  return failures;
}
