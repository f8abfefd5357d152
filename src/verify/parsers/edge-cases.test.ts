import { describe, expect, it } from 'vitest';
import type { TestCase, TestStatus } from '../test-results.ts';
import { parseGoJson } from './go-json.ts';
import { parseGoTest } from './go-test.ts';
import { parseJest } from './jest.ts';
import { parseJestJson } from './jest-json.ts';
import { parseJunit } from './junit.ts';
import { parseMocha } from './mocha.ts';
import { parseNodeSpec } from './node-spec.ts';
import { parsePytest } from './pytest.ts';
import { parseTap } from './tap.ts';
import { parseVitest } from './vitest.ts';

const pairs = (tests: TestCase[] | null) =>
  tests?.map((test): [string, TestStatus] => [test.id, test.status]);
const lines = (...text: string[]) => `${text.join('\n')}\n`;

describe('every parser declines output that is not its own', () => {
  const unrelated = [
    'hello world',
    'src/a.ts(2,9): error TS6133: unused',
    'npm ERR! missing script: test',
    '{"some":"json"}',
  ];
  it.each([
    ['tap', parseTap],
    ['node spec', parseNodeSpec],
    ['vitest', parseVitest],
    ['jest', parseJest],
    ['jest json', parseJestJson],
    ['mocha', parseMocha],
    ['pytest', parsePytest],
    ['go test', parseGoTest],
    ['go json', parseGoJson],
    ['junit', parseJunit],
  ])('%s', (_name, parse) => {
    for (const output of unrelated) expect(parse(output)).toBeNull();
  });
});

describe('TAP', () => {
  it('reads flat TAP, directives with reasons and escaped names', () => {
    const output = lines(
      'TAP version 13',
      'ok 1 should be equal',
      'not ok 2 - handles \\# in names',
      '  ---',
      "  error: 'boom'",
      '  ...',
      'ok 3 - later # SKIP not today',
      'ok 4 - someday # TODO',
      '1..4',
    );
    expect(parseTap(output)).toEqual([
      { id: 'should be equal', status: 'passed' },
      { id: 'handles # in names', status: 'failed', message: 'boom' },
      { id: 'later', status: 'skipped' },
      { id: 'someday', status: 'skipped' },
    ]);
  });

  it('counts a parent that failed without a failing child (a hook)', () => {
    const output = lines(
      'TAP version 13',
      '# Subtest: suite',
      '    # Subtest: fine',
      '    ok 1 - fine',
      '    1..1',
      'not ok 1 - suite',
      '  ---',
      "  error: 'after hook failed'",
      '  ...',
      '1..1',
    );
    expect(pairs(parseTap(output))).toEqual([
      ['suite > fine', 'passed'],
      ['suite', 'failed'],
    ]);
  });
});

describe('node spec', () => {
  it('closes a passing suite printed as "▶ name (duration)" (early Node 20)', () => {
    const output = lines(
      '▶ outer',
      '  ✔ inner test (0.5ms)',
      '▶ outer (1.2ms)',
      '✔ after (0.1ms)',
      'ℹ tests 2',
    );
    expect(pairs(parseNodeSpec(output))).toEqual([
      ['outer > inner test', 'passed'],
      ['after', 'passed'],
    ]);
  });
});

describe('vitest', () => {
  it('gives one shared error to grouped FAIL lines and keeps a skipped name ending in a duration', () => {
    const output = lines(
      ' ✓ a.test.ts > waits 5s 5003ms',
      ' ↓ a.test.ts > sleeps 5s',
      ' × a.test.ts > one 2ms',
      ' × a.test.ts > two 1ms',
      '',
      '⎯⎯⎯⎯⎯⎯⎯ Failed Tests 2 ⎯⎯⎯⎯⎯⎯⎯',
      '',
      ' FAIL  a.test.ts > one',
      ' FAIL  a.test.ts > two',
      'Error: shared',
      '⎯⎯⎯⎯[1/1]⎯',
      '',
      ' Test Files  1 failed (1)',
    );
    expect(parseVitest(output)).toEqual([
      { id: 'a.test.ts > waits 5s', status: 'passed', durationMs: 5003 },
      { id: 'a.test.ts > sleeps 5s', status: 'skipped' },
      { id: 'a.test.ts > one', status: 'failed', durationMs: 2, message: 'Error: shared' },
      { id: 'a.test.ts > two', status: 'failed', durationMs: 1, message: 'Error: shared' },
    ]);
  });
});

describe('vitest, output cut before the failure details', () => {
  it('takes the status from the marker alone', () => {
    const output = lines(
      ' RUN  v4.1.12 /w',
      '',
      ' ✓ a.test.ts > ok 1ms',
      ' × a.test.ts > broken 3ms',
      '   → boom',
    );
    expect(parseVitest(output)).toEqual([
      { id: 'a.test.ts > ok', status: 'passed', durationMs: 1 },
      { id: 'a.test.ts > broken', status: 'failed', durationMs: 3, message: 'boom' },
    ]);
  });
});

describe('jest', () => {
  it('reads slow files, nested suites and leaves failure details out of the tree', () => {
    const output = lines(
      'PASS src/a.test.ts (5.2 s)',
      '  outer',
      '    inner',
      '      ✓ deep (1200 ms)',
      '    ✓ shallow',
      '  ✓ top',
      '  ✕ cut off before its details (3 ms)',
      '',
      'Tests:       1 failed, 3 passed, 4 total',
    );
    expect(parseJest(output)).toEqual([
      { id: 'src/a.test.ts > outer > inner > deep', status: 'passed', durationMs: 1200 },
      { id: 'src/a.test.ts > outer > shallow', status: 'passed' },
      { id: 'src/a.test.ts > top', status: 'passed' },
      { id: 'src/a.test.ts > cut off before its details', status: 'failed', durationMs: 3 },
    ]);
  });
});

describe('mocha', () => {
  it('reads the pre-v7 tick and slow-test durations', () => {
    const output = lines('', '  suite', '    ✓ quick', '    ✓ slow (52ms)', '', '', '  2 passing (60ms)');
    expect(parseMocha(output)).toEqual([
      { id: 'suite > quick', status: 'passed' },
      { id: 'suite > slow', status: 'passed', durationMs: 52 },
    ]);
  });
});

describe('pytest', () => {
  it('reads pytest-xdist lines, parameters with spaces and XPASS', () => {
    const output = lines(
      '[gw0] [ 50%] PASSED tests/test_a.py::test_x[a b]',
      '[gw1] [100%] XPASS tests/test_a.py::test_lucky',
      'tests/test_a.py::test_y[1 - 2] FAILED                              [100%]',
    );
    expect(pairs(parsePytest(output))).toEqual([
      ['tests/test_a.py::test_x[a b]', 'passed'],
      ['tests/test_a.py::test_lucky', 'passed'],
      ['tests/test_a.py::test_y[1 - 2]', 'failed'],
    ]);
  });
});

describe('go test', () => {
  it('fails a test that started and never reported in a failed package (a timeout)', () => {
    const output = lines(
      '=== RUN   TestQuick',
      '--- PASS: TestQuick (0.00s)',
      '=== RUN   TestHangs',
      'panic: test timed out after 1s',
      'FAIL\texample.com/x\t1.005s',
      '?   \texample.com/empty\t[no test files]',
    );
    expect(pairs(parseGoTest(output))).toEqual([
      ['example.com/x > TestQuick', 'passed'],
      ['example.com/x > TestHangs', 'failed'],
    ]);
  });

  it('reads parallel tests paused and continued', () => {
    const output = lines(
      '=== RUN   TestA',
      '=== PAUSE TestA',
      '=== RUN   TestB',
      '=== PAUSE TestB',
      '=== CONT  TestA',
      '    a_test.go:9: oops',
      '=== CONT  TestB',
      '--- FAIL: TestA (0.10s)',
      '--- PASS: TestB (0.20s)',
      'FAIL',
      'FAIL\texample.com/p\t0.3s',
    );
    expect(parseGoTest(output)).toEqual([
      { id: 'example.com/p > TestA', status: 'failed', durationMs: 100, message: 'a_test.go:9: oops' },
      { id: 'example.com/p > TestB', status: 'passed', durationMs: 200 },
    ]);
  });

  it('go -json: a test that never ended in a failed package failed; a passing one still running is left out', () => {
    const event = (fields: Record<string, unknown>) => JSON.stringify({ Package: 'p', ...fields });
    const output = lines(
      event({ Action: 'run', Test: 'TestHangs' }),
      event({ Action: 'fail', Elapsed: 1 }),
      event({ Action: 'run', Package: 'q', Test: 'TestRunning' }),
    );
    expect(pairs(parseGoJson(output))).toEqual([['p > TestHangs', 'failed']]);
  });
});

describe('JUnit XML', () => {
  it('reads CDATA, entities, errors, skips and a testsuite name when classname is missing', () => {
    const output = lines(
      'npm notice: something before the report',
      '<?xml version="1.0"?>',
      '<testsuites><testsuite name="Suite &amp; Co">',
      '  <testcase name="a &lt;b&gt;" time="0.5"/>',
      '  <testcase classname="K" name="errs"><error message="E"><![CDATA[stack <here>]]></error></testcase>',
      "  <testcase classname='K' name='skip'><skipped/></testcase>",
      '  <testcase classname="K" name="fails"><failure message="only the attribute"/></testcase>',
      '  <testcase classname="K" name="both"><failure message="f"/><skipped/></testcase>',
      '</testsuite></testsuites>',
    );
    expect(parseJunit(output)).toEqual([
      { id: 'Suite & Co > a <b>', status: 'passed', durationMs: 500 },
      { id: 'K > errs', status: 'failed', message: 'stack <here>' },
      { id: 'K > skip', status: 'skipped' },
      { id: 'K > fails', status: 'failed', message: 'only the attribute' },
      { id: 'K > both', status: 'failed', message: 'f' },
    ]);
  });
});
