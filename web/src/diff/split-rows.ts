import type { DiffLine } from '../../../src/core/unified-diff.ts';

/** One row of the side-by-side view: the old line on the left, the new one on the right. */
export interface SplitRow {
  left: DiffLine | null;
  right: DiffLine | null;
}

/**
 * A hunk's lines side by side: a context line on both sides; a run of removed lines beside the run of
 * added lines that follows it, row by row, the longer run going on alone. "No newline" notes follow the
 * side they are about. Pure.
 */
export function splitRows(lines: readonly DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let dels: DiffLine[] = [];
  let adds: DiffLine[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) {
      rows.push({ left: dels[i] ?? null, right: adds[i] ?? null });
    }
    dels = [];
    adds = [];
  };
  let last: DiffLine['kind'] | null = null;
  for (const line of lines) {
    if (line.kind === 'del') {
      if (adds.length > 0) flush();
      dels.push(line);
    } else if (line.kind === 'add') {
      adds.push(line);
    } else if (line.kind === 'note') {
      if (last === 'del') dels.push(line);
      else if (last === 'add') adds.push(line);
      else {
        flush();
        rows.push({ left: line, right: line });
      }
    } else {
      flush();
      rows.push({ left: line, right: line });
    }
    if (line.kind !== 'note') last = line.kind;
  }
  flush();
  return rows;
}
