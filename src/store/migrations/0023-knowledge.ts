import type { Kysely, Migration } from 'kysely';

/**
 * Repository knowledge (docs/knowledge.md): items drydock proposes after a session and a human approves,
 * retrieved into later sessions' context. `files` and `stale_files` are JSON arrays of paths.
 */
export const knowledge: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('knowledge')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('repo', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('files', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('proposed_at', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('stale_files', 'text')
      .execute();
    await db.schema
      .createIndex('knowledge_repo_status')
      .on('knowledge')
      .columns(['repo', 'status'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('knowledge').execute();
  },
};
