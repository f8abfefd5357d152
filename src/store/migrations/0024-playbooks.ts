import type { Kysely, Migration } from 'kysely';

/**
 * Server-side playbooks (docs/playbooks.md): task templates an admin manages through the API and the web
 * UI, kept as the same markdown a repository's `.drydock/playbooks/<name>.md` holds, parsed on read.
 */
export const playbooks: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('playbooks')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('playbooks').execute();
  },
};
