import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { InternalError } from '../core/errors.ts';
import type { Clock } from '../core/ports/clock.ts';
import {
  type StoredTrackerConnection,
  TRACKER_KINDS,
  type TrackerConnectionStore,
} from '../core/ports/tracker.ts';
import type { Database, TrackerConnectionsTable } from './database.ts';
import { toText } from './rows.ts';

const Fields = z.record(z.string(), z.string());

/** The Store's tracker connections, in SQL that SQLite and Postgres both run. */
export function trackerConnectionStoreMethods(
  db: Kysely<Database>,
  deps: { clock: Clock },
): TrackerConnectionStore {
  const get = async (tracker: string): Promise<StoredTrackerConnection | null> => {
    const row = await db
      .selectFrom('tracker_connections')
      .selectAll()
      .where('tracker', '=', tracker)
      .executeTakeFirst();
    return row ? fromConnectionRow(row) : null;
  };
  return {
    async putTrackerConnection(connection) {
      const at = deps.clock.now().toISOString();
      const values = {
        tracker: connection.tracker,
        settings: JSON.stringify(Fields.parse(connection.settings)),
        sealed: JSON.stringify(Fields.parse(connection.sealed)),
        updated_by: toText(connection.updatedBy),
        created_at: at,
        updated_at: at,
      };
      await db
        .insertInto('tracker_connections')
        .values(values)
        .onConflict((conflict) =>
          conflict.column('tracker').doUpdateSet({
            settings: values.settings,
            sealed: values.sealed,
            updated_by: values.updated_by,
            updated_at: at,
          }),
        )
        .execute();
      const stored = await get(connection.tracker);
      if (!stored)
        throw new InternalError(
          'tracker_connection_lost',
          'A tracker connection vanished as it was written.',
        );
      return stored;
    },

    getTrackerConnection: get,

    async listTrackerConnections() {
      const rows = await db.selectFrom('tracker_connections').selectAll().orderBy('tracker').execute();
      return rows.map(fromConnectionRow);
    },

    async deleteTrackerConnection(tracker) {
      const result = await db
        .deleteFrom('tracker_connections')
        .where('tracker', '=', tracker)
        .executeTakeFirst();
      return result.numDeletedRows !== 0n;
    },
  };
}

function fromConnectionRow(row: Selectable<TrackerConnectionsTable>): StoredTrackerConnection {
  const tracker = TRACKER_KINDS.find((kind) => kind === row.tracker);
  if (tracker === undefined) {
    throw new InternalError(
      'unknown_tracker',
      `A tracker connection names an unknown tracker "${row.tracker}".`,
    );
  }
  return {
    tracker,
    settings: Fields.parse(JSON.parse(row.settings)),
    sealed: Fields.parse(JSON.parse(row.sealed)),
    updatedBy: row.updated_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
