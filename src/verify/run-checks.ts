import type { Sandbox } from '../core/ports/sandbox.ts';
import type { CheckOutcome } from './check-outcome.ts';
import type { Check } from './checks.ts';
import { parseDiagnostics } from './diagnostics.ts';
import { detectAndParse } from './parsers/detect.ts';
import { parseReport } from './parsers/report.ts';
import { stripAnsi, type TestRun, toTestRun } from './test-results.ts';

export const CHECK_TIMEOUT_MS = 15 * 60_000;
const TAIL_LINES = 60;
const MAX_DIAGNOSTICS = 2_000;

/** Full outputs go here (artifacts), so the gate's state stays small. */
export type SaveOutput = (check: Check, output: string) => Promise<string | undefined>;

/**
 * Runs the checks one after another in the session's sandbox and parses what they print. A check
 * that fails to run is a failed check, never an exception.
 */
export async function runChecks(
  sandbox: Sandbox,
  checks: readonly Check[],
  options: { signal: AbortSignal; timeoutMs?: number; saveOutput?: SaveOutput; env?: Record<string, string> },
): Promise<Array<CheckOutcome & { outputArtifactId?: string }>> {
  const outcomes: Array<CheckOutcome & { outputArtifactId?: string }> = [];
  for (const check of checks) {
    // A report left from an earlier run must never be read as this one's.
    if (check.report?.file) await sandbox.exec(['rm', '-f', check.report.file], { timeoutMs: 30_000 });
    const result = await sandbox.exec(check.command, {
      timeoutMs: options.timeoutMs ?? CHECK_TIMEOUT_MS,
      signal: options.signal,
      maxOutputBytes: 4_000_000,
      env: { CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    });
    const output = stripAnsi(result.output);
    const artifactId = await options.saveOutput?.(check, output);
    const read = check.kind === 'test' ? await readTests(sandbox, check, output) : null;
    outcomes.push({
      check,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      outputTail: output.split('\n').slice(-TAIL_LINES).join('\n'),
      tests: read?.tests ?? null,
      ...(read?.unreadable ? { testsUnreadable: read.unreadable } : {}),
      diagnostics:
        check.kind === 'typecheck' || check.kind === 'lint'
          ? parseDiagnostics(output).slice(0, MAX_DIAGNOSTICS)
          : null,
      ...(artifactId ? { outputArtifactId: artifactId } : {}),
    });
  }
  return outcomes;
}

/**
 * A test check's per-test results: from the report its runner wrote (or printed) when drydock asked
 * for one, else from what the command printed. A missing or unreadable report is said, never guessed
 * around: the gate then judges the check by its exit code.
 */
async function readTests(
  sandbox: Sandbox,
  check: Check,
  output: string,
): Promise<{ tests: TestRun; unreadable?: string }> {
  const report = check.report;
  if (!report) return { tests: detectAndParse(output, check.command) };
  const runner = check.runner ?? report.format;
  const unread = (unreadable: string) => ({ tests: toTestRun(runner, null), unreadable });
  let text = output;
  let where = report.file ?? 'the output';
  if (report.file) {
    const read = await sandbox.readFile(report.file).then(
      (content) => content.toString('utf8'),
      () => null,
    );
    if (read !== null) {
      text = read;
      await sandbox.exec(['rm', '-f', report.file], { timeoutMs: 30_000 });
    } else {
      if (!report.orPrinted) return unread(`the ${runner} report ${report.file} was not written`);
      // An older runner that printed its report instead of writing it (mocha before 9).
      where = `the output (the ${runner} report ${report.file} was not written)`;
    }
  }
  const tests = parseReport(report.format, text, runner, sandbox.workdir);
  if (tests) return { tests };
  return unread(`${where} is not a ${report.format} report`);
}
