import type { Kysely, Migration } from 'kysely';

/**
 * The fencing token of the run that owns a session (`Store.claimSession`), or null when no worker has
 * claimed it. A record() that names an owner writes only while the session's owner is still that one,
 * so a worker whose lease expired while it was frozen cannot write after another took the session over.
 */
export const sessionOwner: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('owner', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('owner').execute();
  },
};
