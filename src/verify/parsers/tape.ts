import { capMessage, type TestCase, type TestStatus } from '../test-results.ts';
import { parseTap } from './tap.ts';

/**
 * tape's TAP. tape's test points are assertions, numbered across files, and its tests are only
 * `# name` comments before them (nesting flattened); a skipped test is a `# SKIP name` comment. So the
 * tests are the comments: a test fails when one of its assertions does, passes when all of them pass,
 * and a comment with no assertion under it (a parent test) is no test. Ids are the test names: tape
 * names no file. Null when this is not TAP.
 */
export function parseTape(output: string): TestCase[] | null {
  if (parseTap(output) === null) return null;
  const tests = new Map<string, { status: TestStatus; assertions: number; message?: string }>();
  let current: string | null = null;
  let failure: string[] | null = null;
  const close = () => {
    if (failure && current) {
      const test = tests.get(current);
      if (test && !test.message) {
        const message = capMessage(failure.join('\n'));
        if (message) test.message = message;
      }
    }
    failure = null;
  };
  for (const line of output.split('\n')) {
    const comment = /^# (.+)$/.exec(line)?.[1]?.trim();
    if (comment !== undefined) {
      close();
      if (SUMMARY.test(comment)) continue;
      const skipped = /^SKIP (.+)$/.exec(comment)?.[1];
      if (skipped !== undefined) tests.set(skipped, { status: 'skipped', assertions: 1 });
      else {
        current = comment;
        if (!tests.has(comment)) tests.set(comment, { status: 'passed', assertions: 0 });
      }
      continue;
    }
    const result = /^(not ok|ok)\b/.exec(line)?.[1];
    if (result !== undefined) {
      close();
      const test = current === null ? undefined : tests.get(current);
      if (!test) continue;
      test.assertions += 1;
      if (result === 'not ok' && !/#\s*(SKIP|TODO)\b/i.test(line)) {
        test.status = 'failed';
        failure = [line];
      }
      continue;
    }
    if (failure && /^\s+/.test(line)) failure.push(line.trim());
  }
  close();
  return [...tests]
    .filter(([, test]) => test.assertions > 0)
    .map(([id, test]) => ({ id, status: test.status, ...(test.message ? { message: test.message } : {}) }));
}

/** tape's closing comments: counts, not tests. */
const SUMMARY = /^(tests|pass|fail|todo|skip)\s+\d+$|^ok$/;
