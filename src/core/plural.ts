/**
 * A count with its noun, singular for exactly one: `plural(1, 'file')` is "1 file", `plural(3, 'file')`
 * "3 files"; `many` for nouns that do not just take an s (`plural(2, 'match', 'matches')`). Browser-safe:
 * the web UI and the reports say counts the same way. Pure.
 */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
