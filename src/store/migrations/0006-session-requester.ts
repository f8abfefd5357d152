import type { Kysely, Migration } from 'kysely';

/**
 * Who asked for a session, when a trigger knows (a GitHub user, a Slack user with an email): JSON
 * `{ name, email }`, the `Co-authored-by` of its commits. Null for sessions started from the CLI or the
 * API, whose co-author is the repository's git user.
 */
export const sessionRequester: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('requested_by', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('requested_by').execute();
  },
};
