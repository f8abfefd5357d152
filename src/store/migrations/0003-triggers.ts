import type { Kysely, Migration } from 'kysely';

/** Webhook deliveries (idempotency), session links (issue, PR, thread, schedule run) and configured triggers. */
export const triggers: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('deliveries')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('delivery_id', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('deliveries_pk', ['source', 'delivery_id'])
      .execute();
    await db.schema
      .createTable('session_links')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('session_links_session').on('session_links').column('session_id').execute();
    await db.schema
      .createTable('triggers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('secret', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('triggers_kind_name', ['kind', 'name'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('triggers').execute();
    await db.schema.dropTable('session_links').execute();
    await db.schema.dropTable('deliveries').execute();
  },
};
