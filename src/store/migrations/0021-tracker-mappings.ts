import type { Kysely, Migration } from 'kysely';

/**
 * Which registered repository a Linear team's or Jira project's issues run on, and the states drydock moves
 * them to (docs/triggers.md, "Linear" and "Jira Cloud"). One row per (tracker, team or project key).
 */
export const trackerMappings: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('tracker_mappings')
      .addColumn('tracker', 'text', (c) => c.notNull())
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('repo', 'text', (c) => c.notNull())
      .addColumn('states', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('tracker_mappings_pk', ['tracker', 'project'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('tracker_mappings').execute();
  },
};
