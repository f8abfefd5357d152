import semver from 'semver';
import type { RunnerCall, TestRunner } from './test-script.ts';
import { programIndex } from './test-script.ts';

/** The machine-readable formats drydock reads per-test results from. */
export type ReportFormat = 'jest-json' | 'mocha-json' | 'junit' | 'tap' | 'playwright-json';

/** Where a check's per-test results are: a file the runner writes, or (no `file`) its own output. */
export interface ReportSpec {
  format: ReportFormat;
  /** Absolute path inside the sandbox. */
  file?: string;
  /**
   * Versions of the runner that ignore the file option print the same report on stdout instead (mocha
   * before 9): read it from the output when the file was not written.
   */
  orPrinted?: boolean;
}

/** The runner call rewritten to also write its structured report, and where that report is. */
export interface ReportingCommand {
  command: string;
  report: ReportSpec;
}

/** node:test's junit reporter arrived in Node 20.13 (and 21.3); before it, TAP to a file. */
const NODE_JUNIT = '^20.13 || >=21.3';

/**
 * The runner call with its machine-readable reporter added next to its usual one, writing to
 * `file` where the runner can, and the commands the script ran before it in front (the runner runs
 * even when one of them fails; the command then fails too). Options the
 * script set for the same thing (its own `--reporter`) are replaced, since most runners take one.
 * node_modules/.bin goes first on PATH, as `npm run` does. Pure.
 */
export function reportingCommand(call: RunnerCall, file: string, nodeVersion?: string): ReportingCommand {
  const { words, report } = withReporter(call.runner, call.words, file, nodeVersion);
  const path = 'export PATH="$PWD/node_modules/.bin:$PATH"';
  const runner = words.join(' ');
  if (call.before.length === 0) return { command: `${path} && ${runner}`, report };
  // A step before the runner that fails (a pretest lint) must not hide the test results: the runner
  // runs anyway, and the check still fails when the step did.
  const command = [
    path,
    'drydock_before=0',
    ...call.before.map((step) => `{ ${step}; } || drydock_before=1`),
    runner,
    'drydock_code=$?',
    '[ "$drydock_code" -ne 0 ] || drydock_code=$drydock_before',
    '(exit "$drydock_code")',
  ].join('; ');
  return { command, report };
}

/** The format a runner's report comes in. */
export function reportFormat(runner: TestRunner, nodeVersion?: string): ReportFormat {
  if (runner === 'jest' || runner === 'vitest') return 'jest-json';
  if (runner === 'mocha') return 'mocha-json';
  if (runner === 'playwright') return 'playwright-json';
  if (runner === 'node-test') return hasJunit(nodeVersion) ? 'junit' : 'tap';
  return 'tap';
}

function withReporter(
  runner: TestRunner,
  words: readonly string[],
  file: string,
  nodeVersion: string | undefined,
): { words: string[]; report: ReportSpec } {
  switch (runner) {
    case 'jest':
      return {
        words: [...without(words, ['--json', '--outputFile']), '--json', `--outputFile=${file}`],
        report: { format: 'jest-json', file },
      };
    case 'vitest':
      // vitest's json reporter is jest's format; `default` keeps the console readable for the agent.
      return {
        words: [
          ...without(words, ['--reporter', '--outputFile']),
          '--reporter=default',
          '--reporter=json',
          `--outputFile.json=${file}`,
        ],
        report: { format: 'jest-json', file },
      };
    case 'mocha':
      return {
        words: [
          ...without(words, ['--reporter', '-R', '--reporter-option', '--reporter-options', '-O']),
          '--reporter=json',
          // The plural is the spelling every mocha takes (3 to 12); `--reporter-option` arrived in 6.
          '--reporter-options',
          `output=${file}`,
        ],
        report: { format: 'mocha-json', file, orPrinted: true },
      };
    case 'node-test': {
      const junit = reportFormat(runner, nodeVersion) === 'junit';
      const cleaned = without(words, ['--test-reporter', '--test-reporter-destination']);
      const node = programIndex(cleaned);
      const flags = [
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        `--test-reporter=${junit ? 'junit' : 'tap'}`,
        `--test-reporter-destination=${file}`,
      ];
      // Node's own options go before the files the run is given.
      return {
        words: [...cleaned.slice(0, node + 1), ...flags, ...cleaned.slice(node + 1)],
        report: { format: junit ? 'junit' : 'tap', file },
      };
    }
    case 'ava':
      return { words: [...without(words, ['--tap', '-t']), '--tap'], report: { format: 'tap' } };
    case 'tap':
      return {
        words: [...without(words, ['--reporter', '-R']), '--reporter=tap'],
        report: { format: 'tap' },
      };
    case 'tape':
      return { words: [...words], report: { format: 'tap' } };
    case 'playwright':
      return {
        words: [
          `PLAYWRIGHT_JSON_OUTPUT_NAME=${file}`,
          ...without(words, ['--reporter']),
          '--reporter=list,json',
        ],
        report: { format: 'playwright-json', file },
      };
  }
}

/**
 * `words` without the named options, in both `--name=value` and `--name value` forms (a value is the
 * next word when it does not start with "-"); flags without a value go alone.
 */
export function without(words: readonly string[], names: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    const name = word.split('=')[0]!;
    if (!names.includes(name)) {
      kept.push(word);
      continue;
    }
    const next = words[index + 1];
    if (!word.includes('=') && next !== undefined && !next.startsWith('-') && takesValue(name)) index += 1;
  }
  return kept;
}

/** Options among those we replace that are flags, not `--name value` pairs. */
const FLAGS = new Set(['--json', '--tap', '-t']);

function takesValue(name: string): boolean {
  return !FLAGS.has(name);
}

/** Whether node:test has its junit reporter in this Node (`node --version`); unknown: assume a current one. */
function hasJunit(nodeVersion: string | undefined): boolean {
  const version = nodeVersion === undefined ? null : semver.coerce(nodeVersion);
  return version === null || semver.satisfies(version, NODE_JUNIT);
}
