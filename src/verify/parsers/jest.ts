import {
  capMessage,
  dedent,
  ID_SEPARATOR,
  joinId,
  parseDurationMs,
  stripAnsi,
  type TestCase,
  type TestStatus,
} from '../test-results.ts';

/**
 * jest's default reporter. With `--verbose` (or when jest runs a single file) each file's header
 * ("PASS file" / "FAIL file") is followed by its tree: suite names, then `✓`, `✕`, `○ skipped`,
 * `✎ todo` lines indented two spaces per level. Without it only failures are printed, as
 * "● suite › name" blocks, so passing tests are not seen. "● Test suite failed to run" becomes one
 * failed case with the file as its id.
 */
export function parseJest(output: string): TestCase[] | null {
  const lines = stripAnsi(output).split('\n');
  if (!lines.some((line) => /^Tests:\s+\d/.test(line))) return null;
  if (!lines.some((line) => HEADER.test(line))) return null;

  const cases = new Map<string, TestCase>();
  let file: string | undefined;
  let inTree = false;
  let suites: string[] = [];
  let failure: { test: TestCase; body: string[] } | undefined;
  const closeFailure = () => {
    if (!failure) return;
    const message = capMessage(dedent(failure.body));
    const seen = cases.get(failure.test.id);
    cases.set(failure.test.id, { ...seen, ...failure.test, ...(message ? { message } : {}) });
    failure = undefined;
  };
  for (const line of lines) {
    const header = HEADER.exec(line);
    if (header || /^(Tests|Test Suites|Snapshots|Time):\s/.test(line) || /^ {2}console\.\w+$/.test(line)) {
      closeFailure();
      inTree = header !== null;
      file = header?.[2] ?? file;
      suites = [];
      continue;
    }
    const bullet = /^ {2}● (.+)$/.exec(line);
    if (bullet && file !== undefined) {
      closeFailure();
      inTree = false;
      const title = bullet[1] ?? '';
      const id = title === 'Test suite failed to run' ? file : joinId([file, ...title.split(' › ')]);
      failure = { test: { id, status: 'failed' }, body: [] };
      continue;
    }
    if (failure) {
      failure.body.push(line);
      continue;
    }
    if (!inTree || file === undefined) continue;
    if (line.trim() === '') {
      inTree = false;
      continue;
    }
    const test = parseTreeLine(line, file, suites);
    if (test) cases.set(test.id, { ...cases.get(test.id), ...test });
  }
  closeFailure();
  return [...cases.values()];
}

const HEADER = /^(PASS|FAIL) +(?:\S+ {2})?(\S.*?)(?: \(\d+(?:\.\d+)? m?s\))?$/;

/** A tree line is a test (marker first) or a suite name; `suites` holds the names per level. */
function parseTreeLine(line: string, file: string, suites: string[]): TestCase | undefined {
  const indent = /^( *)/.exec(line)?.[1]?.length ?? 0;
  const level = Math.max(0, indent / 2 - 1);
  const text = line.trim();
  const marked = /^(✓|✕|√|×|○ skipped|✎ todo|○) (.+?)(?: \((\d+(?:\.\d+)?) (ms|s)\))?$/.exec(text);
  if (!marked) {
    suites.splice(level, suites.length, text);
    return undefined;
  }
  const [, marker = '', name = '', amount, unit] = marked;
  return {
    id: [file, ...suites.slice(0, level), name].join(ID_SEPARATOR),
    status: STATUS[marker] ?? 'skipped',
    ...(amount && unit ? { durationMs: parseDurationMs(amount, unit) } : {}),
  };
}

const STATUS: Record<string, TestStatus> = { '✓': 'passed', '√': 'passed', '✕': 'failed', '×': 'failed' };
