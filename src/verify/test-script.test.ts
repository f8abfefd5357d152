import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findRunnerCall, shellWord } from './test-script.ts';

describe('findRunnerCall', () => {
  it.each<[string, Record<string, string>, object]>([
    ['a plain runner', { test: 'jest' }, { runner: 'jest', words: ['jest'], before: [], after: [] }],
    [
      'a runner chained before lint',
      { test: 'jest && npm run lint', lint: 'eslint .' },
      { runner: 'jest', words: ['jest'], before: [], after: ['npm run lint'] },
    ],
    [
      'a build step before the runner runs before it',
      { test: 'tsc -p . && node --test dist/', pretest: 'npm run clean', clean: 'rm -rf dist' },
      {
        runner: 'node-test',
        words: ['node', '--test', 'dist/'],
        before: ['npm run pretest', 'tsc -p .'],
        after: [],
      },
    ],
    [
      'through npm run into another script, keeping env assignments and wrappers',
      {
        test: 'npm run test:unit',
        'test:unit': 'NODE_ENV=test cross-env TZ=UTC c8 --reporter=lcov mocha "test/**/*.js"',
      },
      {
        runner: 'mocha',
        words: ['NODE_ENV=test', 'cross-env', 'TZ=UTC', 'c8', '--reporter=lcov', 'mocha', "'test/**/*.js'"],
        via: 'scripts.test → scripts.test:unit',
        after: [],
      },
    ],
    [
      'pnpm and yarn script calls are followed too',
      { test: 'pnpm unit', unit: 'yarn run spec', spec: 'vitest run' },
      { runner: 'vitest', words: ['vitest', 'run'], via: 'scripts.test → scripts.unit → scripts.spec' },
    ],
    [
      'a posttest script runs after the tests',
      { test: 'ava', posttest: 'npm run lint' },
      { runner: 'ava', after: ['npm run posttest'] },
    ],
    [
      'steps after the runner at every level, in order',
      { test: 'npm run unit && eslint .', unit: 'c8 mocha && c8 check-coverage', posttest: 'npm audit' },
      { runner: 'mocha', after: ['c8 check-coverage', 'eslint .', 'npm run posttest'] },
    ],
    [
      'steps after the runner that are more than commands stand as the whole script',
      { test: 'vitest run && (cd docs && npm test)' },
      { runner: 'vitest', after: null },
    ],
    [
      'a runner piped into a formatter is taken without it',
      { test: 'tape test/*.js | tap-spec' },
      { runner: 'tape', words: ['tape', 'test/*.js'], after: [] },
    ],
    [
      // fast-json-stable-stringify 2.1.0, as published.
      'a wrapper around npm run (nyc npm run x) wraps the runner the script runs',
      {
        eslint: 'eslint index.js test',
        'test-spec': 'tape test/*.js',
        test: 'npm run eslint && nyc npm run test-spec',
      },
      {
        runner: 'tape',
        words: ['nyc', 'tape', 'test/*.js'],
        before: ['npm run eslint'],
        via: 'scripts.test → scripts.test-spec',
        after: [],
      },
    ],
    [
      // secure-json-parse 4.1.1: c8 with its options around npm run, then a type test.
      'a wrapper with options around npm run, the runner call’s own assignments first',
      {
        test: 'c8 --all --include index.js --check-coverage --100 npm run test:unit && npm run test:typescript',
        'test:unit': 'NODE_ENV=test tape "test/*.test.js"',
        'test:typescript': 'tstyche',
      },
      {
        runner: 'tape',
        words: [
          'NODE_ENV=test',
          'c8',
          '--all',
          '--include',
          'index.js',
          '--check-coverage',
          '--100',
          'tape',
          "'test/*.test.js'",
        ],
        after: ['npm run test:typescript'],
      },
    ],
    [
      // on-exit-leak-free 2.1.2: a linter piped into its formatter, then the runner.
      'a command piped into a formatter before the runner runs before it as written',
      { test: 'standard | snazzy && tap test/*.js' },
      { runner: 'tap', words: ['tap', 'test/*.js'], before: ['standard | snazzy'], after: [] },
    ],
    [
      // tape 5.10.2 as published (its own suite runs on node-tap).
      'npm-run-posix-or-windows runs the script named',
      {
        pretest: 'npm run lint',
        test: 'npm-run-posix-or-windows tests-only',
        posttest: "npx npm@'>=10.2' audit --production",
        'tests-only': "cross-env NODE_OPTIONS='--no-warnings' nyc tap 'test/*.js'",
        'tests-only:windows':
          "cross-env NODE_OPTIONS='--no-warnings' nyc node_modules\\tap\\bin\\run.js test/*.js",
      },
      {
        runner: 'tap',
        words: ['cross-env', 'NODE_OPTIONS=--no-warnings', 'nyc', 'tap', "'test/*.js'"],
        before: ['npm run pretest'],
        via: 'scripts.test → scripts.tests-only',
        after: ['npm run posttest'],
      },
    ],
    ['playwright test', { test: 'playwright test --project=chromium' }, { runner: 'playwright' }],
    ['node-tap', { test: 'tap --allow-incomplete-coverage' }, { runner: 'tap' }],
    ['no runner', { test: 'make check' }, { runner: null, reason: 'no known test runner in scripts.test' }],
    [
      'variables are not rebuilt',
      { test: 'jest $JEST_FLAGS' },
      { runner: null, reason: 'scripts.test is more than a chain of simple commands: jest $JEST_FLAGS' },
    ],
    [
      '|| is not a chain we take apart',
      { test: 'jest || true' },
      { runner: null, reason: 'scripts.test is more than a chain of simple commands: jest || true' },
    ],
    [
      'a workspace-wide run is not the root script',
      { test: 'pnpm -r test' },
      { runner: null, reason: 'no known test runner in scripts.test' },
    ],
    ['a script calling itself ends', { test: 'npm run again', again: 'npm test' }, { runner: null }],
  ])('%s', (_name, scripts, expected) => {
    expect(findRunnerCall(scripts)).toMatchObject(expected);
  });

  it.each(['a b', "it's", 'X=1 2', '--flag=ok', 'test/**/*.js', '$HOME', 'a"b\\c', ''])(
    'quotes %j so that bash reads it back as written',
    (word) => {
      const read = execFileSync('bash', ['-c', `printf '%s' ${shellWord(word)}`], {
        encoding: 'utf8',
        cwd: '/',
      });
      expect(read).toBe(word);
    },
  );
});
