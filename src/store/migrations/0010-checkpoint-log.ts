import type { Kysely, Migration } from 'kysely';

/**
 * A session's checkpoint log (`StoreWrite.checkpointLog`): the part of its checkpoint that grows step
 * by step, one row per entry, so a step inserts what it added instead of rewriting the whole document.
 * Entries are numbered from 0 without gaps. The `checkpoints` table keeps the rest of the checkpoint.
 */
export const checkpointLog: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('checkpoint_log')
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('checkpoint_log_pkey', ['session_id', 'position'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('checkpoint_log').execute();
  },
};
