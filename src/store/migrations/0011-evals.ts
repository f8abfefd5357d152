import type { Kysely, Migration } from 'kysely';

/**
 * Evaluation runs (`drydock eval`, docs/eval.md) and their instances. An instance is keyed by its run
 * and the task set's instance id, goes with its run, and keeps the position it was first saved at, so a
 * run lists its instances in the order the runner started them however often each is saved again.
 */
export const evals: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('eval_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('out_dir', 'text')
      .addColumn('drydock_version', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // Listing is newest first.
    await db.schema.createIndex('eval_runs_created_at').on('eval_runs').column('created_at').execute();

    await db.schema
      .createTable('eval_instances')
      .addColumn('run_id', 'text', (c) => c.notNull().references('eval_runs.id').onDelete('cascade'))
      .addColumn('instance_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('repo', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      // Not a foreign key: an instance's result outlives the session it came from.
      .addColumn('session_id', 'text')
      // 1, 0 or null (not graded): SQLite has no boolean.
      .addColumn('resolved', 'integer')
      .addColumn('grading', 'text')
      .addColumn('reason', 'text')
      .addColumn('steps', 'integer', (c) => c.notNull())
      .addColumn('input_tokens', 'bigint', (c) => c.notNull())
      .addColumn('output_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cost_usd', 'double precision', (c) => c.notNull())
      .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull())
      .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cost_unknown', 'integer', (c) => c.notNull())
      .addColumn('wall_ms', 'double precision')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('eval_instances_pkey', ['run_id', 'instance_id'])
      .execute();
    // Unique: two instances of a run never share a place, even when saved at the same moment.
    await db.schema
      .createIndex('eval_instances_run_position')
      .unique()
      .on('eval_instances')
      .columns(['run_id', 'position'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('eval_instances').execute();
    await db.schema.dropTable('eval_runs').execute();
  },
};
