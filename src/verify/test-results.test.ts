import { describe, expect, it } from 'vitest';
import {
  capMessage,
  dedupeTests,
  MAX_MESSAGE_CHARS,
  relativizeIds,
  stripAnsi,
  type TestCase,
  toTestRun,
} from './test-results.ts';

describe('stripAnsi', () => {
  it.each([
    ['colours', '\u001b[32m✓\u001b[39m ok \u001b[2m1ms\u001b[22m', '✓ ok 1ms'],
    ['cursor and private modes', '\u001b[?25l\u001b[?2026h\u001b[K line', ' line'],
    ['OSC hyperlinks', '\u001b]8;;file:///x\u0007x.ts\u001b]8;;\u0007', 'x.ts'],
    ['CRLF', 'a\r\nb\r\n', 'a\nb\n'],
    ['carriage-return redraws keep what was left on screen', 'run 1/3\rrun 2/3\rdone\nnext', 'done\nnext'],
    ['plain text untouched', 'tests/test_x.py::test_y[a-b] PASSED', 'tests/test_x.py::test_y[a-b] PASSED'],
  ])('%s', (_name, input, expected) => {
    expect(stripAnsi(input)).toBe(expected);
  });
});

describe('capMessage', () => {
  it('keeps short messages, trimmed, and drops empty ones', () => {
    expect(capMessage('\n  boom  \n')).toBe('boom');
    expect(capMessage('  \n ')).toBeUndefined();
    expect(capMessage(undefined)).toBeUndefined();
  });

  it('keeps the tail of a long message', () => {
    const message = capMessage(`${'x'.repeat(5_000)}THE END`);
    expect(message).toHaveLength(MAX_MESSAGE_CHARS);
    expect(message).toMatch(/^\[… 3\d{3} characters truncated …\] x+THE END$/);
    expect(message?.endsWith('THE END')).toBe(true);
  });
});

describe('dedupeTests and toTestRun', () => {
  const cases: TestCase[] = [
    { id: 'a', status: 'passed' },
    { id: 'b', status: 'skipped' },
    { id: 'a', status: 'failed', message: 'second a failed' },
    { id: 'b', status: 'passed' },
    { id: 'c', status: 'failed' },
    { id: 'c', status: 'failed', message: 'later detail' },
  ];

  it('keeps one case per id with the worst status, in first-seen order', () => {
    expect(dedupeTests(cases)).toEqual([
      { id: 'a', status: 'failed', message: 'second a failed' },
      { id: 'b', status: 'passed' },
      { id: 'c', status: 'failed', message: 'later detail' },
    ]);
  });

  it('summarises the deduplicated cases', () => {
    const run = toTestRun('vitest', cases);
    expect(run.summary).toEqual({ passed: 1, failed: 2, skipped: 0 });
    expect(run.parsed).toBe(true);
  });

  it('marks output no parser recognised', () => {
    expect(toTestRun('jest', null)).toEqual({
      runner: 'jest',
      tests: [],
      summary: { passed: 0, failed: 0, skipped: 0 },
      parsed: false,
    });
  });
});

describe('relativizeIds', () => {
  it('strips the workspace root from ids that start with it', () => {
    const tests: TestCase[] = [
      { id: '/workspace/test/a.test.js > adds', status: 'passed' },
      { id: '/elsewhere/b.test.js > x', status: 'passed' },
    ];
    expect(relativizeIds(tests, '/workspace').map((test) => test.id)).toEqual([
      'test/a.test.js > adds',
      '/elsewhere/b.test.js > x',
    ]);
    expect(relativizeIds(tests, '/workspace/')[0]?.id).toBe('test/a.test.js > adds');
  });
});
