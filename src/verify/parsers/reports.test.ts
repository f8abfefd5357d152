import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ReportFormat } from '../test-reporters.ts';
import type { TestStatus } from '../test-results.ts';
import { parseReport } from './report.ts';

// Real reports from the runner fixture projects (test/fixtures/runners), captured at baseline in
// /tmp/runners/<runner>: `mean > of several numbers` fails, `median > of strings` is skipped.
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

type Expected = Record<string, TestStatus>;
const withFile = (mean: string, median: string, join = ' > '): Expected => ({
  [`${mean}${join}of several numbers`]: 'failed',
  [`${mean}${join}of an empty list is NaN`]: 'passed',
  [`${median}${join}of an odd count`]: 'passed',
  [`${median}${join}of an even count`]: 'passed',
  [`${median}${join}of strings`]: 'skipped',
});
const BY_SUITE = withFile('mean', 'median');

describe('parseReport on real reports', () => {
  it.each<[string, ReportFormat, string, Expected]>([
    [
      'jest-report.json',
      'jest-json',
      'jest',
      withFile('test/mean.test.js > mean', 'test/median.test.js > median'),
    ],
    [
      'vitest-report.json',
      'jest-json',
      'vitest',
      withFile('test/mean.test.js > mean', 'test/median.test.js > median'),
    ],
    [
      'mocha-report.json',
      'mocha-json',
      'mocha',
      withFile('test/mean.test.js > mean', 'test/median.test.js > median', ' '),
    ],
    ['node20-junit.xml', 'junit', 'node-test', BY_SUITE],
    ['node22-junit.xml', 'junit', 'node-test', BY_SUITE],
    ['node20-report.tap', 'tap', 'node-test', BY_SUITE],
    ['node22-report.tap', 'tap', 'node-test', BY_SUITE],
    ['ava-tap.txt', 'tap', 'ava', withFile('mean', 'median', ' › ')],
    [
      // The subtests are the tests, their assertions ("should be equal") decide; "# time=…" (different
      // every run) is not part of an id.
      'node-tap-tap.txt',
      'tap',
      'tap',
      withFile('test/mean.test.js > mean', 'test/median.test.js > median'),
    ],
    [
      // tape's tests are comments over assertions that share names ("should be strictly equal").
      'tape.txt',
      'tap',
      'tape',
      {
        'of several numbers': 'failed',
        'of an empty list is NaN': 'passed',
        'of an odd count': 'passed',
        'of an even count': 'passed',
        'of strings': 'skipped',
      },
    ],
    [
      'playwright-report.json',
      'playwright-json',
      'playwright',
      withFile('mean.test.js > mean', 'median.test.js > median'),
    ],
  ])('%s: every test with its status, failures with their message', (file, format, runner, expected) => {
    const root = `/tmp/runners/${file.startsWith('node-tap') ? 'tap' : runner}`;
    const run = parseReport(format, fixture(file), runner, root);
    expect(run?.parsed).toBe(true);
    expect(Object.fromEntries(run!.tests.map((test) => [test.id, test.status]))).toEqual(expected);
    const failed = run!.tests.find((test) => test.status === 'failed');
    expect(failed?.message).toMatch(/3\.33|equal|Expected|expected/);
  });

  it.each<[string, ReportFormat, string]>([
    ['jest-report-fixed.json', 'jest-json', 'jest'],
    ['vitest-report-fixed.json', 'jest-json', 'vitest'],
    ['mocha-report-fixed.json', 'mocha-json', 'mocha'],
  ])('%s: after the fix every test passes but the skipped one', (file, format, runner) => {
    const run = parseReport(format, fixture(file), runner, `/tmp/runners/${runner}`);
    expect(run?.summary).toEqual({ passed: 4, failed: 0, skipped: 1 });
  });

  it.each<[ReportFormat, string]>([
    ['jest-json', '{"not":"a report"}'],
    ['mocha-json', 'npm ERR! missing script'],
    ['playwright-json', '{"suites": 3}'],
    ['junit', 'plain text, no testcase'],
    ['tap', 'no tap here'],
  ])('a %s report that is not one reads as unknown, not as zero tests', (format, text) => {
    expect(parseReport(format, text, 'x', '/w')).toBeNull();
  });
});

// Real packages' reports (see fixtures/README.md, "Reports from published packages").
describe('parseReport on reports of published packages', () => {
  it('node-tap 10 (isexe 2.0.0): the subtests are the tests, not their assertions or error messages', () => {
    const run = parseReport('tap', fixture('node-tap10-isexe.tap'), 'tap', '/tmp/rr/host/isexe');
    expect(run?.summary).toEqual({ passed: 10, failed: 5, skipped: 0 });
    const byId = Object.fromEntries(run!.tests.map((test) => [test.id, test.status]));
    // "access" has six passing assertions, a passing subtest, then a thrown error: the subtest fails.
    expect(byId['test/basic.js > access']).toBe('failed');
    expect(byId['test/basic.js > access > meow async']).toBe('passed');
    expect(byId['test/basic.js > setup fixtures']).toBe('passed');
    expect(Object.keys(byId).some((id) => /Promise is not|should be|expect (truthy|falsey)/.test(id))).toBe(
      false,
    );
    const access = run!.tests.find((test) => test.id === 'test/basic.js > access');
    expect(access?.message).toMatch(/^Promise is not a constructor/);
  });

  it('node-tap 16 (on-exit-leak-free 2.1.2): a file with assertions and no subtest is one test', () => {
    const run = parseReport('tap', fixture('node-tap16-on-exit-leak-free.tap'), 'tap', '/w');
    expect(run?.tests.map((test) => test.id)).toEqual([
      'test/base.test.js > close.js',
      'test/base.test.js > beforeExit',
      'test/base.test.js > gc-not-close.js',
      'test/base.test.js > unregister.js',
      'test/base.test.js > undefined',
      'test/event-emitter-leak.test.js',
    ]);
    expect(run?.summary).toEqual({ passed: 6, failed: 0, skipped: 0 });
  });

  it('node:test junit (fastify-plugin 6.0.1): a name with quotes reads as the runner names it', () => {
    const run = parseReport('junit', fixture('node20-junit-fastify-plugin.xml'), 'node-test', '/w');
    expect(run?.tests.map((test) => test.id)).toContain(
      'should support "default" function from babel module',
    );
    expect(run?.tests.some((test) => test.id.includes('&'))).toBe(false);
  });
});
