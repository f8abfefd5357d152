import { capMessage, dedent, joinId, stripAnsi, type TestCase, type TestStatus } from '../test-results.ts';

/**
 * `go test -v` (and the failures-only default). A package's tests print before its "ok pkg" or
 * "FAIL pkg" line, so results wait in a buffer until the package is known. Ids are "pkg > TestX/sub"
 * (go's own name, so `-run` patterns and task texts match); a parent test is a case too, as go reports
 * it. A test that started but never reported in a failed package (a panic, a timeout) failed; a package
 * that did not build is one failed case named by the package.
 */
export function parseGoTest(output: string): TestCase[] | null {
  const lines = stripAnsi(output).split('\n');
  if (!lines.some((line) => RESULT.test(line) || PACKAGE.test(line))) return null;

  const cases: TestCase[] = [];
  let results: Pending[] = [];
  const started = new Set<string>();
  let current: Pending | undefined;
  let logs = new Map<string, string[]>();
  let loose: string[] = [];
  for (const line of lines) {
    const run = /^=== (?:RUN|CONT|PAUSE|NAME)\s+(\S+)/.exec(line);
    if (run?.[1]) {
      if (line.startsWith('=== RUN')) started.add(run[1]);
      current = { name: run[1], status: 'passed', log: logs.get(run[1]) ?? [] };
      logs.set(run[1], current.log);
      continue;
    }
    const result = RESULT.exec(line);
    if (result) {
      const [, indent = '', word = '', name = '', seconds] = result;
      const log = logs.get(name) ?? [];
      logs.set(name, log);
      current = { name, status: STATUS[word] ?? 'failed', log, indent: indent.length, reported: true };
      if (seconds) current.durationMs = Number(seconds) * 1000;
      results.push(current);
      continue;
    }
    const pkg = PACKAGE.exec(line);
    if (pkg) {
      const [, verdict = '', name = ''] = pkg;
      const failed = verdict === 'FAIL';
      for (const test of results) {
        // A panic's trace follows the test's result line unindented.
        const log = test.status === 'failed' && test.log.length === 0 ? loose : test.log;
        cases.push(toCase(name, { ...test, log }));
      }
      const reported = new Set(results.map((test) => test.name));
      for (const test of started) {
        if (failed && !reported.has(test))
          cases.push(toCase(name, { name: test, status: 'failed', log: loose }));
      }
      if (failed && !results.some((test) => test.status === 'failed') && started.size === 0) {
        const message = capMessage(dedent(loose));
        cases.push({ id: name, status: 'failed', ...(message ? { message } : {}) });
      }
      results = [];
      started.clear();
      logs = new Map();
      loose = [];
      current = undefined;
      continue;
    }
    if (/^(PASS|FAIL|ok)\s*$/.test(line)) continue;
    // A log line belongs to the test that printed it: the one running (-v), or the result above it.
    const panicking = current?.status === 'failed' && /^panic: /.test(line);
    if (current && (current.reported !== true || /^\s/.test(line) || panicking)) current.log.push(line);
    else loose.push(line);
  }
  for (const test of results) cases.push(toCase('', test));
  return cases;
}

interface Pending {
  name: string;
  status: TestStatus;
  log: string[];
  indent?: number;
  reported?: boolean;
  durationMs?: number;
}

const RESULT = /^(\s*)--- (PASS|FAIL|SKIP): (\S+)(?: \(([\d.]+)s\))?/;
/** "ok  	pkg	0.002s", "FAIL	pkg	0.005s", "FAIL	pkg [build failed]", "?   	pkg	[no test files]". */
const PACKAGE =
  /^(ok|FAIL|\?)\s+(\S+)(?:\s+\(cached\)|\s+[\d.]+s|\s+\[(?:build failed|setup failed|no test files)\])/;
const STATUS: Record<string, TestStatus> = { PASS: 'passed', FAIL: 'failed', SKIP: 'skipped' };

function toCase(pkg: string, test: Pending): TestCase {
  const message = test.status === 'failed' ? capMessage(dedent(test.log)) : undefined;
  return {
    id: joinId([pkg, test.name]),
    status: test.status,
    ...(test.durationMs === undefined ? {} : { durationMs: test.durationMs }),
    ...(message ? { message } : {}),
  };
}
