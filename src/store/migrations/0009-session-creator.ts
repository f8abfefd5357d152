import type { Kysely, Migration } from 'kysely';

/**
 * Who started a session on a server: JSON `{ id, name }` (`token:<id>` for an API token, or a trigger's
 * requester). A member may cancel or message only the sessions its token started. Null for sessions
 * from the local CLI, and for sessions created before this migration (only admins act on those).
 */
export const sessionCreator: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('created_by', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('created_by').execute();
  },
};
