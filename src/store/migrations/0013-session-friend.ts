import type { Kysely, Migration } from 'kysely';

/**
 * The smart friend's `provider:model` a session was created with, kept so every run of the session
 * (a resume, a follow-up turn, another worker) consults the same one. Null: no friend. (0011 is left to
 * the usage breakdown that lands beside it.)
 */
export const sessionFriend: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('friend_model', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('friend_model').execute();
  },
};
