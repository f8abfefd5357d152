import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TestCase, TestStatus } from '../test-results.ts';
import { detectAndParse } from './detect.ts';
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

// Real output captured from each runner on a tiny project (see fixtures/README.md for versions).
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const pairs = (tests: TestCase[] | null) =>
  tests?.map((test): [string, TestStatus] => [test.id, test.status]);
const find = (tests: TestCase[] | null, id: string) => tests?.find((test) => test.id === id);

const NODE: Array<[string, TestStatus]> = [
  ['stats > mean > of several numbers', 'passed'],
  ['stats > mean > of an empty list', 'failed'],
  ['stats > sum > adds', 'passed'],
  ['stats > median', 'skipped'],
  ['stats > mode', 'skipped'],
  ['top level passes', 'passed'],
  ['top level with subtests > inner passes', 'passed'],
];
const VITEST: Array<[string, TestStatus]> = [
  ['test/stats.test.js > stats > mean > of several numbers', 'passed'],
  ['test/stats.test.js > stats > mean > of an empty list', 'failed'],
  ['test/stats.test.js > stats > median', 'skipped'],
  ['test/stats.test.js > stats > mode', 'skipped'],
  ['test/other.test.js > top level passes', 'passed'],
];
const JEST: Array<[string, TestStatus]> = [
  ['test/stats.test.js > stats > median', 'skipped'],
  ['test/stats.test.js > stats > mode', 'skipped'],
  ['test/stats.test.js > stats > mean > of several numbers', 'passed'],
  ['test/stats.test.js > stats > mean > of an empty list', 'failed'],
  ['test/broken.test.js', 'failed'],
  ['test/other.test.js > top level passes', 'passed'],
];
const PYTEST: Array<[string, TestStatus]> = [
  ['tests/test_fixture.py::test_uses_fixture', 'failed'],
  ['tests/test_stats.py::TestMean::test_several_numbers', 'passed'],
  ['tests/test_stats.py::TestMean::test_empty_list', 'failed'],
  ['tests/test_stats.py::test_median', 'skipped'],
  ['tests/test_stats.py::test_param[xs0-1]', 'passed'],
  ['tests/test_stats.py::test_param[xs1-3]', 'passed'],
  ['tests/test_stats.py::test_known_bug', 'passed'],
];
const GO: Array<[string, TestStatus]> = [
  ['example.com/gt/other > TestOther', 'passed'],
  ['example.com/gt/stats > TestMean', 'failed'],
  ['example.com/gt/stats > TestMean/of_several_numbers', 'passed'],
  ['example.com/gt/stats > TestMean/of_an_empty_list', 'failed'],
  ['example.com/gt/stats > TestMedian', 'skipped'],
  ['example.com/gt/stats > TestTopLevel', 'passed'],
];
const GO_BROKEN: Array<[string, TestStatus]> = [
  ['example.com/gt/broken', 'failed'],
  ['example.com/gt/other > TestOther', 'passed'],
  ['example.com/gt/panics > TestFine', 'passed'],
  ['example.com/gt/panics > TestPanics', 'failed'],
  ...GO.slice(1),
];

describe('parsers on real runner output', () => {
  it.each([
    ['node20-spec.txt', parseNodeSpec, NODE],
    ['node22-spec.txt', parseNodeSpec, NODE],
    ['node20-tap.txt', parseTap, NODE],
    ['node22-tap.txt', parseTap, NODE],
    ['vitest-verbose.txt', parseVitest, VITEST],
    ['vitest-verbose-tty-color.txt', parseVitest, VITEST],
    ['vitest-verbose-broken.txt', parseVitest, [...VITEST, ['test/broken.test.js', 'failed']]],
    ['vitest3-verbose.txt', parseVitest, VITEST],
    // The default reporter lists only failing files; v3 prints suite paths there, v4 does not.
    ['vitest3-default.txt', parseVitest, VITEST.slice(0, 4)],
    ['vitest-default.txt', parseVitest, [VITEST[1]]],
    ['vitest-default-broken.txt', parseVitest, [['test/broken.test.js', 'failed'], VITEST[1]]],
    ['vitest-junit.xml', parseJunit, [VITEST[4], ...VITEST.slice(0, 4)]],
    ['jest-verbose-broken.txt', parseJest, JEST],
    ['jest-default.txt', parseJest, [JEST[3]]],
    [
      'mocha-spec.txt',
      parseMocha,
      [
        ['top level passes', 'passed'],
        ['hooks > never runs', 'failed'],
        ['stats > median', 'skipped'],
        ['stats > mode', 'skipped'],
        ['stats > mean > of several numbers', 'passed'],
        ['stats > mean > of an empty list', 'failed'],
      ],
    ],
    [
      'mocha-tap.txt',
      parseTap,
      [
        ['top level passes', 'passed'],
        ['hooks "before all" hook for "never runs"', 'failed'],
        ['stats median', 'skipped'],
        ['stats mode', 'skipped'],
        ['stats mean of several numbers', 'passed'],
        ['stats mean of an empty list', 'failed'],
      ],
    ],
    ['pytest-v.txt', parsePytest, PYTEST],
    ['pytest-v-rA.txt', parsePytest, PYTEST],
    [
      'pytest-rA.txt',
      parsePytest,
      [
        ['tests/test_stats.py::TestMean::test_several_numbers', 'passed'],
        ['tests/test_stats.py::test_param[xs0-1]', 'passed'],
        ['tests/test_stats.py::test_param[xs1-3]', 'passed'],
        // -rA names a skipped test only by its place.
        ['tests/test_stats.py:13', 'skipped'],
        ['tests/test_stats.py::test_known_bug', 'passed'],
        ['tests/test_fixture.py::test_uses_fixture', 'failed'],
        ['tests/test_stats.py::TestMean::test_empty_list', 'failed'],
      ],
    ],
    ['pytest-rA-errors.txt', parsePytest, [['tests/test_broken.py', 'failed']]],
    [
      'pytest-junit.xml',
      parseJunit,
      [
        ['tests.test_stats.TestMean > test_several_numbers', 'passed'],
        ['tests.test_stats.TestMean > test_empty_list', 'failed'],
        ['tests.test_stats > test_median', 'skipped'],
        ['tests.test_stats > test_param[xs0-1]', 'passed'],
        ['tests.test_stats > test_param[xs1-3]', 'passed'],
        ['tests.test_stats > test_known_bug', 'passed'],
      ],
    ],
    ['go-v.txt', parseGoTest, GO],
    ['go-json.txt', parseGoJson, GO],
    ['go-v-broken.txt', parseGoTest, GO_BROKEN],
    ['go-json-broken.txt', parseGoJson, GO_BROKEN],
    ['go-default.txt', parseGoTest, [GO[1], GO[3]]],
  ] as const)('%s', (name, parse, expected) => {
    expect(pairs(parse(fixture(name)))).toEqual(expected);
  });

  it('reads jest --json, with absolute paths as jest reports them', () => {
    const tests = parseJestJson(fixture('jest-json-broken.txt'));
    expect(pairs(tests)).toEqual([
      ['/tmp/vfx/jt/test/stats.test.js > stats > mean > of several numbers', 'passed'],
      ['/tmp/vfx/jt/test/stats.test.js > stats > mean > of an empty list', 'failed'],
      ['/tmp/vfx/jt/test/stats.test.js > stats > median', 'skipped'],
      ['/tmp/vfx/jt/test/stats.test.js > stats > mode', 'skipped'],
      ['/tmp/vfx/jt/test/broken.test.js', 'failed'],
      ['/tmp/vfx/jt/test/other.test.js > top level passes', 'passed'],
    ]);
    expect(find(tests, '/tmp/vfx/jt/test/broken.test.js')?.message).toContain(
      "Cannot find module '../missing.js'",
    );
    expect(pairs(parseJestJson(fixture('jest-json.txt')))?.length).toBe(5);
  });
});

describe('failure messages and durations', () => {
  const empty = 'stats > mean > of an empty list';
  it.each([
    ['node20-spec.txt', parseNodeSpec, empty, 'NaN !== 0'],
    // Node 22 prints the error only in the closing "failing tests" section.
    ['node22-spec.txt', parseNodeSpec, empty, 'NaN !== 0'],
    ['node22-tap.txt', parseTap, empty, 'NaN !== 0'],
    ['vitest-verbose.txt', parseVitest, `test/stats.test.js > ${empty}`, 'test/stats.test.js:10:24'],
    ['jest-verbose-broken.txt', parseJest, `test/stats.test.js > ${empty}`, 'Received: NaN'],
    ['mocha-spec.txt', parseMocha, 'hooks > never runs', 'setup broke'],
    ['pytest-v-rA.txt', parsePytest, 'tests/test_stats.py::TestMean::test_empty_list', 'ZeroDivisionError'],
    [
      'pytest-junit.xml',
      parseJunit,
      'tests.test_stats.TestMean > test_empty_list',
      'E       ZeroDivisionError',
    ],
    ['go-v.txt', parseGoTest, 'example.com/gt/stats > TestMean/of_an_empty_list', 'Mean(nil) = NaN, want 0'],
    ['go-json.txt', parseGoJson, 'example.com/gt/stats > TestMean/of_an_empty_list', 'Mean(nil) = NaN'],
    ['go-v-broken.txt', parseGoTest, 'example.com/gt/broken', 'undefined: undefinedThing'],
    ['go-json-broken.txt', parseGoJson, 'example.com/gt/broken', 'undefined: undefinedThing'],
    [
      'go-json-broken.txt',
      parseGoJson,
      'example.com/gt/panics > TestPanics',
      'assignment to entry in nil map',
    ],
  ] as const)('%s: %s', (name, parse, id, expected) => {
    expect(find(parse(fixture(name)), id)?.message).toContain(expected);
  });

  it('keeps messages to failed tests and durations in milliseconds', () => {
    const tests = parseVitest(fixture('vitest-verbose.txt'));
    expect(tests?.filter((test) => test.message).map((test) => test.status)).toEqual(['failed']);
    expect(find(tests, 'test/stats.test.js > stats > mean > of an empty list')?.durationMs).toBe(4);
    expect(
      find(parseJunit(fixture('vitest-junit.xml')), 'test/other.test.js > top level passes')?.durationMs,
    ).toBe(1.231);
  });
});

describe('detectAndParse', () => {
  it.each([
    ['node20-spec.txt', undefined, 'node-test'],
    ['node22-tap.txt', undefined, 'node-test'],
    ['node22-tap.txt', 'node --test', 'node-test'],
    ['mocha-tap.txt', undefined, 'tap'],
    ['mocha-tap.txt', 'npx mocha --reporter tap', 'tap'],
    ['mocha-spec.txt', 'npm test', 'mocha'],
    ['vitest-verbose.txt', 'npx vitest run --reporter=verbose', 'vitest'],
    ['vitest-junit.xml', 'npx vitest run --reporter=junit', 'junit'],
    ['jest-json.txt', 'npx jest --json', 'jest'],
    ['jest-verbose-broken.txt', undefined, 'jest'],
    ['pytest-v-rA.txt', 'pytest -rA', 'pytest'],
    ['go-json.txt', 'go test -json ./...', 'go'],
    ['go-v.txt', undefined, 'go'],
  ])('%s (hint %s) → %s', (name, hint, runner) => {
    const run = detectAndParse(fixture(name), hint);
    expect(run.runner).toBe(runner);
    expect(run.parsed).toBe(true);
    expect(run.summary.passed + run.summary.failed + run.summary.skipped).toBe(run.tests.length);
    expect(run.summary.failed).toBeGreaterThan(0);
  });

  it('says when it recognised nothing', () => {
    const run = detectAndParse('sh: 1: vitest: not found\n', 'npx vitest run');
    expect(run).toEqual({
      runner: 'vitest',
      tests: [],
      summary: { passed: 0, failed: 0, skipped: 0 },
      parsed: false,
    });
    expect(detectAndParse('').runner).toBe('unknown');
  });

  it('summarises the vitest run', () => {
    expect(detectAndParse(fixture('vitest-verbose.txt')).summary).toEqual({
      passed: 2,
      failed: 1,
      skipped: 2,
    });
  });
});
