import type { Kysely, Migration } from 'kysely';

/**
 * Linear's and Jira's connections set through the API, the CLI or the web UI (docs/triggers.md): one row per
 * tracker kind, the secret settings sealed by the SecretBox. A table of its own, not `secrets`: those are
 * injected into sandboxes.
 */
export const trackerConnections: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('tracker_connections')
      .addColumn('tracker', 'text', (c) => c.primaryKey())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('tracker_connections').execute();
  },
};
