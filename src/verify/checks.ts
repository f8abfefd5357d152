/** One of the repository's own checks: a command drydock runs in the sandbox before and after the change. */
export interface Check {
  /** Short, stable name ("test", "typecheck", "lint"). */
  name: string;
  kind: 'test' | 'typecheck' | 'lint';
  command: string;
  /** Where the command came from, for people ("package.json scripts.test"). */
  source: string;
}

export interface DetectionInput {
  /** Paths in the workspace, relative to its root. */
  files: readonly string[];
  /** The root package.json, parsed, when there is one. */
  packageJson?: { scripts?: Record<string, string> } | null;
}

const NPM_DEFAULT_TEST = /no test specified/;

/**
 * The checks a repository defines, discovered from its files when it has no drydock config: npm
 * scripts (test, typecheck, lint), pytest, go test and cargo test. Pure.
 */
export function detectChecks(input: DetectionInput): Check[] {
  const checks: Check[] = [];
  const has = (path: string) => input.files.includes(path);
  const scripts = input.packageJson?.scripts ?? {};
  if (scripts.test && !NPM_DEFAULT_TEST.test(scripts.test)) {
    checks.push({
      name: 'test',
      kind: 'test',
      command: npmTestCommand(scripts.test),
      source: 'package.json scripts.test',
    });
  }
  for (const name of ['typecheck', 'type-check', 'tsc']) {
    if (scripts[name]) {
      checks.push({
        name: 'typecheck',
        kind: 'typecheck',
        command: `npm run ${name}`,
        source: `package.json scripts.${name}`,
      });
      break;
    }
  }
  if (scripts.lint)
    checks.push({ name: 'lint', kind: 'lint', command: 'npm run lint', source: 'package.json scripts.lint' });
  const pythonTests =
    has('pytest.ini') ||
    has('conftest.py') ||
    input.files.some((file) => /(^|\/)(test_[^/]+|[^/]+_test)\.py$/.test(file));
  if (pythonTests && !checks.some((check) => check.kind === 'test')) {
    checks.push({
      name: 'test',
      kind: 'test',
      command: 'python3 -m pytest -v -rA',
      source: 'Python test files',
    });
  }
  if (has('go.mod') && !checks.some((check) => check.kind === 'test')) {
    checks.push({ name: 'test', kind: 'test', command: 'go test -v ./...', source: 'go.mod' });
  }
  if (has('Cargo.toml') && !checks.some((check) => check.kind === 'test')) {
    checks.push({ name: 'test', kind: 'test', command: 'cargo test', source: 'Cargo.toml' });
  }
  return checks;
}

/**
 * `npm test`, asking the runner to list every test: vitest's and jest's default reporters print only
 * failing files or failures when not on a terminal, and the gate needs passing tests by name too.
 */
export function npmTestCommand(script: string): string {
  if (/\bvitest\b/.test(script)) return 'npm test -- --reporter=verbose';
  if (/\bjest\b/.test(script)) return 'npm test -- --verbose';
  return 'npm test';
}
