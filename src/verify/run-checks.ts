import type { Sandbox } from '../core/ports/sandbox.ts';
import type { CheckOutcome } from './check-outcome.ts';
import type { Check } from './checks.ts';
import { parseDiagnostics } from './diagnostics.ts';
import { detectAndParse } from './parsers/detect.ts';
import { stripAnsi } from './test-results.ts';

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
    const result = await sandbox.exec(check.command, {
      timeoutMs: options.timeoutMs ?? CHECK_TIMEOUT_MS,
      signal: options.signal,
      maxOutputBytes: 4_000_000,
      env: { CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    });
    const output = stripAnsi(result.output);
    const artifactId = await options.saveOutput?.(check, output);
    outcomes.push({
      check,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      outputTail: output.split('\n').slice(-TAIL_LINES).join('\n'),
      tests: check.kind === 'test' ? detectAndParse(output, check.command) : null,
      diagnostics: check.kind === 'test' ? null : parseDiagnostics(output).slice(0, MAX_DIAGNOSTICS),
      ...(artifactId ? { outputArtifactId: artifactId } : {}),
    });
  }
  return outcomes;
}
