import { BadInputError } from '../core/errors.ts';
import type { ExecOptions, ExecResult } from '../core/ports/sandbox.ts';

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** Time a command gets between SIGTERM and SIGKILL when it times out or is aborted. */
export const DEFAULT_KILL_GRACE_MS = 2000;

export interface ExecLimits {
  timeoutMs: number | undefined;
  maxOutputBytes: number;
}

/** Validates the numeric exec options, so a NaN or negative value fails loudly instead of never firing. */
export function resolveExecLimits(options: ExecOptions): ExecLimits {
  const { timeoutMs, maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES } = options;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new BadInputError(
      'invalid_timeout',
      `timeoutMs must be a positive number of milliseconds, got ${timeoutMs}.`,
    );
  }
  if (!(Number.isSafeInteger(maxOutputBytes) && maxOutputBytes >= 0)) {
    throw new BadInputError(
      'invalid_max_output',
      `maxOutputBytes must be a non-negative integer, got ${maxOutputBytes}.`,
    );
  }
  return { timeoutMs, maxOutputBytes };
}

/** The result of a command whose signal was aborted before it started: it never runs. */
export function abortedBeforeStart(): ExecResult {
  return {
    exitCode: null,
    signal: null,
    output: '',
    truncated: false,
    timedOut: false,
    aborted: true,
    durationMs: 0,
  };
}
