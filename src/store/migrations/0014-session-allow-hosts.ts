import type { Kysely, Migration } from 'kysely';

/**
 * Hosts a session's agent may reach beyond its repository's policy, as JSON `[{ host, port? }]`: a rerun
 * of a session that was blocked on them carries them, and every run of that session keeps them. Null: none.
 */
export const sessionAllowHosts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('allow_hosts', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('allow_hosts').execute();
  },
};
