import { type ReportSpec, reportFormat, reportingCommand } from './test-reporters.ts';
import { findRunnerCall } from './test-script.ts';

/**
 * One of the repository's own checks: a command drydock runs in the sandbox before and after the
 * change. A `test` check is graded test by test where its results can be read; a `script` check (the
 * repository's whole test script, when it does more than run the tests) by its exit code.
 */
export interface Check {
  /** Short, stable name ("test", "test-step-1", "test-script", "typecheck", "lint"). */
  name: string;
  kind: 'test' | 'script' | 'typecheck' | 'lint';
  command: string;
  /** Where the command came from, for people ("package.json scripts.test"). */
  source: string;
  /** The test runner the command runs, when drydock recognised it. */
  runner?: string;
  /** Where the runner writes its machine-readable results; absent: parse what the command prints. */
  report?: ReportSpec;
  /** Why drydock runs the repository's script as is instead of its runner with a reporter. */
  note?: string;
  /** For people, when `command` is long: the runner call as the script wrote it ("jest --coverage"). */
  label?: string;
}

/** How a check is named to people: its label (the runner call as written) or its command. */
export function checkLabel(check: Check): string {
  return check.label ?? check.command;
}

export interface DetectionInput {
  /** Paths in the workspace, relative to its root. */
  files: readonly string[];
  /** The root package.json, parsed, when there is one. */
  packageJson?: { scripts?: Record<string, string> } | null;
  /** `node --version` in the sandbox, when known: which reporters node:test has. */
  nodeVersion?: string;
  /**
   * Where runners write their reports in the sandbox: this prefix + the check's name + extension.
   * Unique per session, so two sessions on an unisolated provider never read each other's.
   */
  reportPrefix?: string;
}

const REPORT_EXTENSIONS: Record<ReportSpec['format'], string> = {
  'jest-json': 'json',
  'mocha-json': 'json',
  'playwright-json': 'json',
  junit: 'xml',
  tap: 'tap',
};

const NPM_DEFAULT_TEST = /no test specified/;

/** The name of the check that runs the whole test script, when its steps could not be run one by one. */
export const WHOLE_TEST_SCRIPT = 'test-script';

/**
 * The checks a repository defines, discovered from its files when it has no drydock config: npm
 * scripts (test, typecheck, lint), pytest, go test and cargo test. Pure.
 */
export function detectChecks(input: DetectionInput): Check[] {
  const checks: Check[] = [];
  const has = (path: string) => input.files.includes(path);
  const scripts = input.packageJson?.scripts ?? {};
  if (scripts.test && !NPM_DEFAULT_TEST.test(scripts.test)) checks.push(...npmTestChecks(scripts, input));
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
  // A step of the test script that is a check already (`jest && npm run lint`) runs once, as that check.
  const runsAlready = (check: Check) =>
    check.kind === 'script' &&
    checks.some((other) => other.kind !== 'script' && other.command === check.command);
  checks.splice(0, checks.length, ...checks.filter((check) => !runsAlready(check)));
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
 * The checks behind `npm test`. When the script's test runner is one drydock knows, the runner itself
 * with its machine-readable reporter writing to a file (per-test results from structured data), after
 * the commands the script runs before it; then each command the script runs after it (a lint step, a
 * posttest script), judged by its exit code. Run on its own, a step's result never hides behind a
 * test that failed before it (`jest && eslint .` on a commit with a failing test says nothing about
 * eslint). Otherwise the script as written: flags are never appended to `npm test`, where they may
 * reach npm instead of the runner.
 */
function npmTestChecks(scripts: Readonly<Record<string, string>>, input: DetectionInput): Check[] {
  const script: Check = {
    name: 'test',
    kind: 'test',
    command: 'npm test',
    source: 'package.json scripts.test',
  };
  const call = findRunnerCall(scripts, 'test');
  if (call.runner === null) return [{ ...script, note: call.reason }];
  const prefix = input.reportPrefix ?? '/tmp/drydock-';
  const file = `${prefix}test-report.${REPORT_EXTENSIONS[reportFormat(call.runner, input.nodeVersion)]}`;
  const { command, report } = reportingCommand(call, file, input.nodeVersion);
  const runner: Check = {
    name: 'test',
    kind: 'test',
    command,
    source: `package.json ${call.via} (${call.runner})`,
    runner: call.runner,
    report,
    label: call.words.join(' '),
  };
  if (call.after === null) {
    // What runs after the tests is more shell than commands: the whole script stands for it.
    const source = 'package.json scripts.test, judged by its exit code';
    return [runner, { ...script, name: WHOLE_TEST_SCRIPT, kind: 'script', source }];
  }
  // Each command after the tests on its own, so a failing test before it cannot hide how it did.
  return [
    runner,
    ...call.after.map(
      (command, index): Check => ({
        name: `test-step-${index + 1}`,
        kind: 'script',
        command,
        source: `package.json ${call.via}, after the tests; judged by its exit code`,
      }),
    ),
  ];
}
