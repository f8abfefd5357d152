import type { Kysely, Migration } from 'kysely';

/** Sessions, their event logs, agent checkpoints and artifacts. Portable DDL: SQLite and Postgres. */
export const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('task', 'text', (c) => c.notNull())
      .addColumn('repo', 'text', (c) => c.notNull())
      .addColumn('ref', 'text', (c) => c.notNull())
      .addColumn('base_commit', 'text')
      .addColumn('head_commit', 'text')
      .addColumn('branch', 'text')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('steps', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('cost_usd', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('summary', 'text')
      .addColumn('reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // Listing is newest first, optionally by state or repository.
    await db.schema.createIndex('sessions_created_at').on('sessions').column('created_at').execute();
    await db.schema
      .createIndex('sessions_state_created_at')
      .on('sessions')
      .columns(['state', 'created_at'])
      .execute();
    await db.schema
      .createIndex('sessions_repo_created_at')
      .on('sessions')
      .columns(['repo', 'created_at'])
      .execute();

    await db.schema
      .createTable('events')
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('events_pkey', ['session_id', 'seq'])
      .execute();

    await db.schema
      .createTable('checkpoints')
      .addColumn('session_id', 'text', (c) => c.primaryKey().references('sessions.id').onDelete('cascade'))
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('artifacts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('artifacts_session_id_created_at')
      .on('artifacts')
      .columns(['session_id', 'created_at'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['artifacts', 'checkpoints', 'events', 'sessions']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
