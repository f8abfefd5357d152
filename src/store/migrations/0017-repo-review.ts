import type { Kysely, Migration } from 'kysely';

/**
 * A registered repository's review setting (docs/review.md): whether drydock reviews the pull requests
 * opened or updated on it. 0 or 1 (SQLite has no boolean); off for every repository registered before.
 */
export const repoReview: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('repositories')
      .addColumn('review_pull_requests', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('repositories').dropColumn('review_pull_requests').execute();
  },
};
