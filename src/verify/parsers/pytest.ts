import { capMessage, stripAnsi, type TestCase, type TestStatus } from '../test-results.ts';

/**
 * pytest. `-v` prints "path::test STATUS [ NN%]" per test; `-rA` ends with a short summary,
 * "STATUS path::test - message" per test. Ids are pytest's node ids. When both are present `-v` gives
 * the list (it names skipped tests, which `-rA` reports only as "SKIPPED [n] path:line: reason") and
 * `-rA` adds the messages. Following SWE-bench, XFAIL and XPASS count as passed and ERROR (a fixture or
 * collection error) as failed; a collection error ("ERROR path") is one failed case named by the path.
 */
export function parsePytest(output: string): TestCase[] | null {
  const lines = stripAnsi(output).split('\n');
  const verbose: TestCase[] = [];
  const summary: TestCase[] = [];
  let inSummary = false;
  for (const line of lines) {
    if (/^=+ short test summary info =+$/.test(line)) {
      inSummary = true;
      continue;
    }
    if (inSummary && /^(=+|!+) /.test(line)) inSummary = false;
    const row = VERBOSE_LINE.exec(line);
    const xdist = XDIST_LINE.exec(line);
    if ((row || xdist) && !inSummary) {
      const [id = '', word = ''] = row ? [row[1], row[2]] : [xdist?.[2], xdist?.[1]];
      verbose.push({ id, status: statusOf(word) });
      continue;
    }
    const skippedAt = SKIPPED_SUMMARY.exec(line);
    if (skippedAt?.[1]) {
      summary.push({ id: skippedAt[1], status: 'skipped' });
      continue;
    }
    const short = SUMMARY_LINE.exec(line);
    if (!short) continue;
    const [, word = '', id = '', message] = short;
    const capped = capMessage(message);
    summary.push({
      id,
      status: statusOf(word),
      ...(capped && statusOf(word) === 'failed' ? { message: capped } : {}),
    });
  }
  if (verbose.length === 0 && summary.length === 0) return null;
  if (verbose.length === 0) return summary;
  const messages = new Map(summary.map((test) => [test.id, test.message]));
  return verbose.map((test) => {
    const message = messages.get(test.id);
    return message && test.status === 'failed' ? { ...test, message } : test;
  });
}

const WORDS = 'PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS';
/** "tests/test_x.py::TestX::test_y[param] PASSED   [ 50%]". */
const VERBOSE_LINE = new RegExp(`^(\\S+::.+?) (${WORDS})(?: \\(.*\\))?(?:\\s+\\[\\s*\\d+%\\])?\\s*$`);
/** pytest-xdist's -v: "[gw0] [ 50%] PASSED tests/test_x.py::test_y". */
const XDIST_LINE = new RegExp(`^\\[gw\\d+\\] \\[\\s*\\d+%\\] (${WORDS}) (\\S+::.+?)\\s*$`);
/** "FAILED tests/test_x.py::test_y - message", "ERROR tests/test_x.py" (collection error). */
const SUMMARY_LINE = new RegExp(`^(${WORDS}) (\\S[^\\s]*(?:::\\S.*?)?)(?: - (.*))?$`);
/** "SKIPPED [1] tests/test_x.py:13: reason" names a place, not a test. */
const SKIPPED_SUMMARY = /^SKIPPED \[\d+\] (\S+?:\d+):/;

function statusOf(word: string): TestStatus {
  if (word === 'FAILED' || word === 'ERROR') return 'failed';
  if (word === 'SKIPPED') return 'skipped';
  return 'passed';
}
