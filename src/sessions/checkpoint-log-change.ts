/** A change to a list: the entries from `from` on become `entries`. */
export interface ListChange<T> {
  from: number;
  entries: T[];
}

/**
 * What to write so a stored list that holds `previous` holds `next`: the entries from the first one
 * that differs on. Entries are compared by reference, which is what the agent loop keeps: it builds each
 * new conversation by spreading the old one (the same message objects, more after them), and a
 * compaction keeps the first message and makes new ones after it. `previous` null means nothing is known
 * of what is stored (the first write of a run): everything is written from 0. Null when nothing changed.
 * Pure.
 */
export function listChange<T>(previous: readonly T[] | null, next: readonly T[]): ListChange<T> | null {
  if (previous === null) return { from: 0, entries: [...next] };
  const shorter = Math.min(previous.length, next.length);
  let from = 0;
  while (from < shorter && previous[from] === next[from]) from++;
  if (from === previous.length && from === next.length) return null;
  return { from, entries: next.slice(from) };
}
