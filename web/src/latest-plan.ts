import { type Fields, role, str } from './event-fields.ts';
import type { TodoEntry } from './timeline-item.ts';
import type { StreamEvent } from './types.ts';

const TODO_STATUSES = new Set(['pending', 'in_progress', 'done']);

/** A plan's items as the event carries them; anything malformed is left out rather than shown wrong. */
export function todoItems(value: unknown): TodoEntry[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry): TodoEntry[] => {
    const item = (entry ?? {}) as Fields;
    const status = str(item.status);
    if (typeof item.text !== 'string' || !TODO_STATUSES.has(status)) return [];
    return [{ id: str(item.id), text: item.text, status: status as TodoEntry['status'] }];
  });
}

/** The agent's latest plan (the last `todo.updated` of the coder), or null before it wrote one. */
export function latestPlan(events: readonly StreamEvent[]): TodoEntry[] | null {
  for (let index = events.length - 1; index >= 0; index--) {
    const d = events[index]?.data as Fields | undefined;
    if (d?.type === 'todo.updated' && role(d) === 'coder') return todoItems(d.items);
  }
  return null;
}
