import { z } from 'zod';
import type { CheckReport, ChecksReport, FailingTest } from '../../core/checks-report.ts';
import { formatMs } from '../../core/format-ms.ts';
import { defineTool, ToolError } from '../tool.ts';

/** Per list (newly failing, still failing, fixed) and check: enough to act on, short enough to read. */
const MAX_TESTS_SHOWN = 8;

export const runChecksTool = defineTool({
  name: 'run_checks',
  description:
    "Run the repository's checks exactly as drydock's verification gate will after finish (the same " +
    'commands and test reporters), on the workspace as it is now, and compare each test with the base ' +
    "commit's run: what newly fails (blamed on your change), what still fails (failed before too), what " +
    'your change fixed, and what the gate would refuse to deliver right now. Slow (the whole suite): use ' +
    'bash for quick targeted test runs while working, and run_checks before finish.',
  inputSchema: z.object({}),
  async execute(_input, { runChecks, signal }) {
    if (!runChecks) {
      throw new ToolError(
        'run_checks is not available in this run (no verification gate). Run the tests with bash.',
      );
    }
    const report = await runChecks(signal);
    return { output: renderChecksReport(report), summary: summaryOf(report) };
  },
});

/** The report as the model reads it: counts per check, then the failing tests, each with a short message. */
export function renderChecksReport(report: ChecksReport): string {
  if (report.checks.length === 0) {
    return (
      'drydock found no checks in this repository (no test, typecheck or lint command), so the gate can vouch ' +
      'for nothing: run the tests you know of with bash.' +
      (report.problems.length > 0 ? `\n${gateLines(report)}` : '')
    );
  }
  const lines: string[] = [];
  for (const check of report.checks) lines.push(...checkLines(check));
  lines.push('', gateLines(report));
  return lines.join('\n');
}

function checkLines(check: CheckReport): string[] {
  const status = check.timedOut ? 'timed out' : `exit ${check.exitCode ?? 'killed'}`;
  const counts = check.tests
    ? `; ${check.tests.passed} passed, ${check.tests.failed} failed, ${check.tests.skipped} skipped`
    : '';
  const diagnostics = check.diagnostics
    ? `; ${check.diagnostics.now} diagnostics${check.diagnostics.before === null ? '' : ` (${check.diagnostics.before} on the base commit)`}`
    : '';
  const lines = [
    `${check.passed ? '✓' : '✗'} ${check.name} (${check.label}): ${status} in ${formatMs(check.durationMs)}${counts}${diagnostics}`,
  ];
  if (check.tests === null && !check.passed)
    lines.push('  per-test results unknown: judged by its exit code');
  lines.push(...testList('newly failing (blamed on the change)', check.newlyFailing));
  lines.push(...testList('still failing (failed on the base commit too)', check.stillFailing));
  if (check.fixed.length > 0) lines.push(`  fixed: ${capped(check.fixed).join(', ')}`);
  if (check.outputTail !== undefined) {
    lines.push('  last lines of its output:', ...check.outputTail.split('\n').map((line) => `    ${line}`));
  }
  return lines;
}

function testList(title: string, tests: readonly FailingTest[]): string[] {
  if (tests.length === 0) return [];
  const lines = [`  ${title}: ${tests.length}`];
  for (const test of tests.slice(0, MAX_TESTS_SHOWN)) {
    lines.push(`  - ${test.id}`);
    if (test.message) lines.push(...test.message.split('\n').map((line) => `      ${line}`));
  }
  if (tests.length > MAX_TESTS_SHOWN) lines.push(`  … and ${tests.length - MAX_TESTS_SHOWN} more`);
  return lines;
}

function capped(ids: readonly string[]): string[] {
  return ids.length > MAX_TESTS_SHOWN
    ? [...ids.slice(0, MAX_TESTS_SHOWN), `… and ${ids.length - MAX_TESTS_SHOWN} more`]
    : [...ids];
}

const WEAKENED = /^(test deleted|test skipped|assertions removed) in /;

function gateLines(report: ChecksReport): string {
  const lines =
    report.problems.length === 0
      ? ['The gate would pass this change as it is now.']
      : [
          'The gate would not deliver this change yet:',
          ...report.problems.map((problem) => `- ${problem}`),
          ...(report.problems.some((problem) => WEAKENED.test(problem))
            ? [
                '(A deleted or skipped test is accepted only when your finish summary names its file and says why.)',
              ]
            : []),
        ];
  if (report.warnings.length > 0)
    lines.push('Warnings:', ...report.warnings.map((warning) => `- ${warning}`));
  return lines.join('\n');
}

function summaryOf(report: ChecksReport): string {
  const newly = report.checks.reduce((sum, check) => sum + check.newlyFailing.length, 0);
  const failing = report.checks.filter((check) => !check.passed).length;
  const gate =
    report.problems.length === 0 ? 'the gate would pass' : `${report.problems.length} gate problems`;
  return `${report.checks.length} checks, ${failing} failing, ${newly} newly failing tests; ${gate}`;
}
