import type { Kysely, Migration } from 'kysely';

/**
 * Spend limits (docs/cost.md): `spend_limits` holds the limits set through the API, the CLI or the UI
 * (one per scope and period); `spend_ledger` every model call's cost with its session, repository,
 * creator and time. A row whose `cost_usd` is null is a reservation in flight, counted at
 * `reserved_usd` until the call settles it (or releases it: the row goes).
 */
export const spendLimits: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('spend_limits')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('amount_usd', 'double precision', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('spend_limits_pk', ['scope', 'period'])
      .execute();
    await db.schema
      .createTable('spend_ledger')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('repo', 'text', (c) => c.notNull())
      .addColumn('creator', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('reserved_usd', 'double precision', (c) => c.notNull())
      .addColumn('cost_usd', 'double precision')
      .execute();
    await db.schema.createIndex('spend_ledger_at').on('spend_ledger').column('at').execute();
    await db.schema.createIndex('spend_ledger_repo_at').on('spend_ledger').columns(['repo', 'at']).execute();
    await db.schema
      .createIndex('spend_ledger_creator_at')
      .on('spend_ledger')
      .columns(['creator', 'at'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('spend_ledger').execute();
    await db.schema.dropTable('spend_limits').execute();
  },
};
