import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { InternalError } from '../core/errors.ts';
import type { Clock } from '../core/ports/clock.ts';
import { TRACKER_KINDS, type TrackerMapping, type TrackerMappingStore } from '../core/ports/tracker.ts';
import type { Database, TrackerMappingsTable } from './database.ts';
import { toText } from './rows.ts';

const StoredStates = z.object({ started: z.string(), delivered: z.string() });

/** The Store's tracker mappings, in SQL that SQLite and Postgres both run. */
export function trackerMappingStoreMethods(
  db: Kysely<Database>,
  deps: { clock: Clock },
): TrackerMappingStore {
  const get = async (tracker: string, project: string): Promise<TrackerMapping | null> => {
    const row = await db
      .selectFrom('tracker_mappings')
      .selectAll()
      .where('tracker', '=', tracker)
      .where('project', '=', project)
      .executeTakeFirst();
    return row ? fromMappingRow(row) : null;
  };
  return {
    async putTrackerMapping(mapping) {
      const at = deps.clock.now().toISOString();
      const values = {
        tracker: mapping.tracker,
        project: toText(mapping.project),
        repo: toText(mapping.repo),
        states: JSON.stringify(StoredStates.parse(mapping.states)),
        created_by: toText(mapping.createdBy),
        created_at: at,
        updated_at: at,
      };
      // Upsert: a second put replaces the repository and states but keeps who created it and when.
      await db
        .insertInto('tracker_mappings')
        .values(values)
        .onConflict((conflict) =>
          conflict.columns(['tracker', 'project']).doUpdateSet({
            repo: values.repo,
            states: values.states,
            updated_at: at,
          }),
        )
        .execute();
      const stored = await get(mapping.tracker, values.project);
      if (!stored)
        throw new InternalError('tracker_mapping_lost', 'A tracker mapping vanished as it was written.');
      return stored;
    },

    getTrackerMapping: get,

    async listTrackerMappings() {
      const rows = await db
        .selectFrom('tracker_mappings')
        .selectAll()
        .orderBy('tracker')
        .orderBy('project')
        .execute();
      return rows.map(fromMappingRow);
    },

    async deleteTrackerMapping(tracker, project) {
      const result = await db
        .deleteFrom('tracker_mappings')
        .where('tracker', '=', tracker)
        .where('project', '=', project)
        .executeTakeFirst();
      return result.numDeletedRows !== 0n;
    },
  };
}

function fromMappingRow(row: Selectable<TrackerMappingsTable>): TrackerMapping {
  const tracker = TRACKER_KINDS.find((kind) => kind === row.tracker);
  if (tracker === undefined) {
    throw new InternalError(
      'unknown_tracker',
      `A tracker mapping names an unknown tracker "${row.tracker}".`,
    );
  }
  return {
    tracker,
    project: row.project,
    repo: row.repo,
    states: StoredStates.parse(JSON.parse(row.states)),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
