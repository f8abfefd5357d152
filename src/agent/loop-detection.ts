/** The same failing tool call, counted while it repeats back to back. */
export interface FailureStreak {
  key: string;
  count: number;
}

/** A stable key for a call: tool name plus its input with object keys sorted. */
export function callKey(tool: string, input: unknown): string {
  return `${tool}:${stableStringify(input)}`;
}

/**
 * Updates the streak after a tool call. A success or a different call resets it; the same failing
 * call again extends it. Pure.
 */
export function nextFailureStreak(
  streak: FailureStreak | null,
  key: string,
  isError: boolean,
): FailureStreak | null {
  if (!isError) return null;
  if (streak && streak.key === key) return { key, count: streak.count + 1 };
  return { key, count: 1 };
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
