import type { Kysely, Migration } from 'kysely';

/**
 * The audit log (docs/audit.md): who did what, append-only. Read newest first, by time then id, and
 * filtered by actor, action or target: each has an index that ends in the order it is read in.
 */
export const auditLog: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('actor_name', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
    await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'at', 'id']).execute();
    await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'at', 'id']).execute();
    await db.schema.createIndex('audit_log_target').on('audit_log').columns(['target', 'at', 'id']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('audit_log').execute();
  },
};
