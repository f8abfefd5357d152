import type { Kysely, Migration } from 'kysely';

/**
 * Sessions in a tree (docs/attempts.md): a session's kind (`attempts`, `attempt`, `manager`, `child`,
 * `review`; null: a plain one), its parent's id (attempts and a manager's children), and an attempts
 * session's model specs as a JSON array. The parent index lists a parent's children.
 */
export const sessionTree: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('kind', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('parent_id', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('attempt_models', 'text').execute();
    await db.schema.createIndex('sessions_parent_id').on('sessions').column('parent_id').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('sessions_parent_id').execute();
    await db.schema.alterTable('sessions').dropColumn('attempt_models').execute();
    await db.schema.alterTable('sessions').dropColumn('parent_id').execute();
    await db.schema.alterTable('sessions').dropColumn('kind').execute();
  },
};
