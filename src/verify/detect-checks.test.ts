import { describe, expect, it } from 'vitest';
import { detectChecks } from './checks.ts';

describe('detectChecks', () => {
  it.each([
    [
      'npm test, typecheck and lint',
      {
        files: ['package.json'],
        packageJson: { scripts: { test: 'vitest', typecheck: 'tsc', lint: 'biome check' } },
      },
      ['npm test -- --reporter=verbose', 'npm run typecheck', 'npm run lint'],
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
      { files: ['package.json', 'x_test.py'], packageJson: { scripts: { test: 'node --test' } } },
      ['npm test'],
    ],
    ['nothing', { files: ['README.md'] }, []],
    [
      'jest lists every test',
      { files: ['package.json'], packageJson: { scripts: { test: 'jest --coverage' } } },
      ['npm test -- --verbose'],
    ],
  ])('%s', (_name, input, commands) => {
    expect(detectChecks(input).map((check) => check.command)).toEqual(commands);
  });
});
