import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { detectChecks } from './checks.ts';

const PATH = 'export PATH="$PWD/node_modules/.bin:$PATH"';

describe('detectChecks', () => {
  it.each([
    [
      'a known runner runs with its reporter; typecheck and lint as scripts',
      {
        files: ['package.json'],
        packageJson: { scripts: { test: 'vitest', typecheck: 'tsc', lint: 'biome check' } },
      },
      [
        `${PATH} && vitest --reporter=default --reporter=json --outputFile.json=/tmp/drydock-test-report.json`,
        'npm run typecheck',
        'npm run lint',
      ],
    ],
    [
      'npm init default test script is not a check',
      {
        files: ['package.json'],
        packageJson: { scripts: { test: 'echo "Error: no test specified" && exit 1' } },
      },
      [],
    ],
    ['pytest from test files', { files: ['src/a.py', 'tests/test_a.py'] }, ['python3 -m pytest -v -rA']],
    ['go', { files: ['go.mod', 'main.go'] }, ['go test -v ./...']],
    ['cargo', { files: ['Cargo.toml'] }, ['cargo test']],
    [
      'npm test wins over python files',
      { files: ['package.json', 'x_test.py'], packageJson: { scripts: { test: 'make test' } } },
      ['npm test'],
    ],
    ['nothing', { files: ['README.md'] }, []],
    [
      // The case that delivered a regression: flags appended to `npm test` went to npm, not jest.
      'a chained script: the runner with its report; its lint step is the lint check',
      {
        files: ['package.json'],
        packageJson: { scripts: { test: 'jest && npm run lint', lint: 'eslint .' } },
      },
      [`${PATH} && jest --json --outputFile=/tmp/drydock-test-report.json`, 'npm run lint'],
    ],
    [
      'steps after the tests, each on its own',
      {
        files: ['package.json'],
        packageJson: { scripts: { test: 'mocha && eslint . && tsc', posttest: 'npm audit' } },
      },
      [
        `${PATH} && mocha --reporter=json --reporter-options output=/tmp/drydock-test-report.json`,
        'eslint .',
        'tsc',
        'npm run posttest',
      ],
    ],
    [
      'steps that are more than commands: the whole script',
      { files: ['package.json'], packageJson: { scripts: { test: 'ava && (cd e2e && ava)' } } },
      [`${PATH} && ava --tap`, 'npm test'],
    ],
    [
      'node:test before Node 20.13 writes TAP',
      {
        files: ['package.json'],
        packageJson: { scripts: { test: 'node --test' } },
        nodeVersion: 'v20.12.2',
        reportPrefix: '/tmp/s1-',
      },
      [
        `${PATH} && node --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination=/tmp/s1-test-report.tap --test`,
      ],
    ],
  ])('%s', (_name, input, commands) => {
    expect(detectChecks(input).map((check) => check.command)).toEqual(commands);
  });

  it('says where each check came from and why a script is run as written', () => {
    const chained = detectChecks({
      files: ['package.json'],
      packageJson: { scripts: { test: 'npm run unit && eslint src', unit: 'mocha' } },
    });
    expect(chained.map(({ name, kind, source, runner }) => ({ name, kind, source, runner }))).toEqual([
      {
        name: 'test',
        kind: 'test',
        source: 'package.json scripts.test → scripts.unit (mocha)',
        runner: 'mocha',
      },
      {
        name: 'test-step-1',
        kind: 'script',
        source: 'package.json scripts.test → scripts.unit, after the tests; judged by its exit code',
        runner: undefined,
      },
    ]);
    const [unknown] = detectChecks({
      files: ['package.json'],
      packageJson: { scripts: { test: 'make test' } },
    });
    expect(unknown).toMatchObject({ command: 'npm test', note: 'no known test runner in scripts.test' });
  });
});

describe('the steps a script runs before its runner', () => {
  // minimist 1.2.8 as published: `npm test` runs `pretest` (eslint) first.
  const scripts = {
    lint: 'eslint --ext=js,mjs .',
    pretest: 'npm run lint',
    'tests-only': "nyc tape 'test/**/*.js'",
    test: 'npm run tests-only',
  };
  const [check] = detectChecks({
    files: ['package.json'],
    packageJson: { scripts },
    reportPrefix: '/tmp/s1-',
  });
  const run = (command: string) =>
    spawnSync('bash', ['-c', command], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  const withSteps = (pretest: string, tape: string) =>
    check!.command.replace('npm run pretest', pretest).replace("nyc tape 'test/**/*.js'", tape);

  it('run first, and a failing one does not stop the runner', () => {
    expect(check?.command).toBe(
      'export PATH="$PWD/node_modules/.bin:$PATH"; drydock_before=0; { npm run pretest; } || drydock_before=1; ' +
        'nyc tape \'test/**/*.js\'; drydock_code=$?; [ "$drydock_code" -ne 0 ] || drydock_code=$drydock_before; ' +
        '(exit "$drydock_code")',
    );
    const linted = run(withSteps('echo lint error; false', 'echo "ok 1 - runs"'));
    expect(linted.stdout).toBe('lint error\nok 1 - runs\n');
    // The check still fails: a lint error the change brings in blocks as it did.
    expect(linted.status).toBe(1);
  });

  it.each<[string, string, number]>([
    ['true', 'true', 0],
    ['true', 'exit 3', 3],
    ['false', 'exit 3', 3],
  ])('exit code: step %s, runner %s → %i', (step, runner, code) => {
    expect(run(withSteps(step, `(${runner})`)).status).toBe(code);
  });
});
