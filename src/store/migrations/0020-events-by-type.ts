import type { Kysely, Migration } from 'kysely';

/**
 * Events by session and type: analytics read a few types (gate verdicts, reviews, state changes, pull request
 * closes) of many sessions without reading the rest of their logs (docs/cost.md, "Analytics").
 */
export const eventsByType: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex('events_session_type')
      .on('events')
      .columns(['session_id', 'type', 'seq'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('events_session_type').execute();
  },
};
