import type { Kysely, Migration } from 'kysely';

/**
 * The image an environment image's setup ran on (reference, digest, the layer its root became and the
 * image config drydock applies), as JSON text; null: the host's system. A worker on another machine
 * finds the root's layer here and fetches it from the snapshot store like any layer.
 */
export const environmentImageRoot: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('environments').addColumn('image_root', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('environments').dropColumn('image_root').execute();
  },
};
