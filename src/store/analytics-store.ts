import type { Kysely } from 'kysely';
import type { SessionFacts } from '../core/analytics.ts';
import type { EventType } from '../core/events.ts';
import type { Store } from '../core/ports/store.ts';
import type { Database } from './database.ts';
import { fromEventRow, fromSessionRow } from './rows.ts';

/**
 * The analytics' read (docs/cost.md, "Analytics"): two queries whatever the range, the second reading only
 * the events of the asked types (by the `events_session_type` index, migration 0020) of the range's
 * sessions and of every session under them (a recursive walk down `parent_id`).
 */
export function analyticsStoreMethods(db: Kysely<Database>): Pick<Store, 'listSessionFacts'> {
  return {
    async listSessionFacts(range, types) {
      const sessions = await db
        .selectFrom('sessions')
        .selectAll()
        .where('parent_id', 'is', null)
        .where('created_at', '>=', range.from)
        .where('created_at', '<', range.to)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      if (sessions.length === 0 || types.length === 0) {
        return sessions.map((row) => ({ session: fromSessionRow(row), events: [] }));
      }
      const rows = await db
        .withRecursive('tree(id, root)', (qb) =>
          qb
            .selectFrom('sessions')
            .select(['id', 'id as root'])
            .where('parent_id', 'is', null)
            .where('created_at', '>=', range.from)
            .where('created_at', '<', range.to)
            .unionAll((union) =>
              union
                .selectFrom('sessions as child')
                .innerJoin('tree', 'tree.id', 'child.parent_id')
                .select(['child.id', 'tree.root']),
            ),
        )
        .selectFrom('tree')
        .innerJoin('events', 'events.session_id', 'tree.id')
        .select(['tree.root', 'events.session_id', 'events.seq', 'events.at', 'events.type', 'events.data'])
        .where('events.type', 'in', [...types] as EventType[])
        .orderBy('events.session_id')
        .orderBy('events.seq')
        .execute();
      const byRoot = new Map<string, SessionFacts['events']>();
      for (const { root, ...event } of rows) {
        const events = byRoot.get(root);
        if (events) events.push(fromEventRow(event));
        else byRoot.set(root, [fromEventRow(event)]);
      }
      return sessions.map((row) => ({ session: fromSessionRow(row), events: byRoot.get(row.id) ?? [] }));
    },
  };
}
