import type { Kysely, Migration } from 'kysely';

/** Environment images (published only after their setup succeeded) and scoped, encrypted secrets. */
export const environments: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('environments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('repo', 'text', (c) => c.notNull())
      .addColumn('inputs_hash', 'text', (c) => c.notNull())
      .addColumn('runtime_version', 'text', (c) => c.notNull())
      .addColumn('commit_sha', 'text', (c) => c.notNull())
      .addColumn('layers', 'text', (c) => c.notNull())
      .addColumn('setup', 'text', (c) => c.notNull())
      .addColumn('setup_ms', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('environments_repo')
      .on('environments')
      .columns(['repo', 'created_at'])
      .execute();
    await db.schema
      .createTable('secrets')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('secrets_pk', ['scope', 'name'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('secrets').execute();
    await db.schema.dropTable('environments').execute();
  },
};
