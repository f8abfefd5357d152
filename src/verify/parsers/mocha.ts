import { capMessage, dedent, joinId, stripAnsi, type TestCase, type TestStatus } from '../test-results.ts';

/**
 * mocha's spec reporter (its default). The tree comes first: suite names, then `✔ name` (`✓` before
 * mocha 7), `- name` (pending) and `N) name` (failed) lines, two spaces per level; then "N passing",
 * and the numbered failure details. The output names no file, so ids are the suite path and the name.
 * A failing hook (`"before each" hook for "x"`) is reported as a failure of the test it names.
 */
export function parseMocha(output: string): TestCase[] | null {
  const lines = stripAnsi(output).split('\n');
  const passingAt = lines.findIndex((line) => /^\s+\d+ passing \(\d+(?:\.\d+)?m?s\)/.test(line));
  if (passingAt < 0) return null;

  const cases: TestCase[] = [];
  const failedByNumber = new Map<string, TestCase>();
  const suites: string[] = [];
  for (const line of lines.slice(0, passingAt)) {
    if (line.trim() === '') continue;
    const indent = /^( *)/.exec(line)?.[1]?.length ?? 0;
    const level = Math.max(0, indent / 2 - 1);
    const text = line.trim();
    const match = /^(?:(✔|✓|√)|(-)|(\d+)\)) (.+?)(?: \((\d+)ms\))?$/.exec(text);
    if (!match) {
      suites.splice(level, suites.length, text);
      continue;
    }
    const [, passed, pending, number, title = '', duration] = match;
    const status: TestStatus = passed ? 'passed' : pending ? 'skipped' : 'failed';
    const test: TestCase = {
      id: joinId([...suites.slice(0, level), hookTarget(title) ?? title]),
      status,
      ...(duration ? { durationMs: Number(duration) } : {}),
    };
    cases.push(test);
    if (number) failedByNumber.set(number, test);
  }
  for (const [number, message] of failureDetails(lines.slice(passingAt))) {
    const test = failedByNumber.get(number);
    const capped = capMessage(message);
    if (test && capped) test.message = capped;
  }
  return cases;
}

function hookTarget(title: string): string | undefined {
  return /^"(?:before|after) (?:each|all)" hook for "(.*)"$/.exec(title)?.[1];
}

/** "  N) suite\n       name:\n     message…" blocks after the "N failing" line. */
function failureDetails(lines: string[]): Map<string, string> {
  const details = new Map<string, string>();
  let number: string | undefined;
  let inTitle = false;
  let body: string[] = [];
  const flush = () => {
    if (number) details.set(number, dedent(body));
  };
  for (const line of lines) {
    const entry = /^ {2}(\d+)\) (.*)$/.exec(line);
    if (entry) {
      flush();
      number = entry[1];
      inTitle = !(entry[2] ?? '').endsWith(':');
      body = [];
    } else if (number && inTitle) {
      if (line.trimEnd().endsWith(':')) inTitle = false;
    } else if (number) body.push(line);
  }
  flush();
  return details;
}
