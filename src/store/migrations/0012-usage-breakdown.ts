import type { Kysely, Migration } from 'kysely';

/**
 * A session's usage in detail: input read from and written to the provider's prompt cache, reasoning
 * output, and whether some call had no known price (1: its cost is unknown, not $0). Older sessions
 * read as zero and priced, which is what they were counted as.
 */
export const usageBreakdown: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const column of ['cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens']) {
      await db.schema
        .alterTable('sessions')
        .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    }
    await db.schema
      .alterTable('sessions')
      .addColumn('cost_unknown', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const column of ['cost_unknown', 'reasoning_tokens', 'cache_write_tokens', 'cache_read_tokens']) {
      await db.schema.alterTable('sessions').dropColumn(column).execute();
    }
  },
};
