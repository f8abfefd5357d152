/** One finding about a diff besides whether the tests pass. */

import { truncateText } from '../core/truncate.ts';

export type SoftSignalKind =
  | 'test_deleted'
  | 'test_skipped'
  | 'assertions_removed'
  | 'debug_output'
  | 'secret'
  | 'binary_or_generated'
  | 'large_diff'
  | 'far_from_task'
  | 'scratch_file'
  | 'nested_repository';

export type SoftSignalSeverity = 'warning' | 'blocking';

export interface SoftSignal {
  kind: SoftSignalKind;
  /** `blocking`: delivery waits until the change explains itself; `warning`: reported only. */
  severity: SoftSignalSeverity;
  /** The file, as the diff names it; empty for signals about the whole diff. */
  file: string;
  line?: number;
  evidence: string;
}

/**
 * Weakened tests block: a change that makes the suite say less must explain itself to a person. A nested
 * repository blocks whatever the summary says (gate.ts): drydock never delivers one.
 */
const BLOCKING: ReadonlySet<SoftSignalKind> = new Set([
  'test_deleted',
  'test_skipped',
  'assertions_removed',
  'nested_repository',
]);

export function softSignal(
  kind: SoftSignalKind,
  file: string,
  line: number | undefined,
  evidence: string,
): SoftSignal {
  return {
    kind,
    severity: BLOCKING.has(kind) ? 'blocking' : 'warning',
    file,
    ...(line === undefined ? {} : { line }),
    evidence,
  };
}

/** A source line shortened for evidence. */
export function clipLine(text: string, maxChars = 120): string {
  return truncateText(text.trim(), maxChars);
}
