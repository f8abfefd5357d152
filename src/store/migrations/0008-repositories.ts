import type { Kysely, Migration } from 'kysely';

/**
 * Registered repositories: in server mode sessions run only on these (docs/api.md). `repo` is the real
 * path of a local repository or a lowercase `owner/name`, unique, so one repository is registered once.
 */
export const repositories: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('repositories')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('repo', 'text', (c) => c.notNull().unique())
      .addColumn('added_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('repositories').execute();
  },
};
