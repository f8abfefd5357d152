import { type Kysely, Migrator } from 'kysely';
import { describeError, InternalError } from '../core/errors.ts';
import type { Database } from './database.ts';
import { MIGRATIONS } from './migrations/index.ts';

/**
 * Brings the schema up to date. Safe to call from several processes at once: pending migrations run
 * in one transaction under the dialect's migration lock (for SQLite the IMMEDIATE transaction itself),
 * and the Migrator rereads what already ran once it holds that lock.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === 'Error')?.migrationName;
  throw new InternalError(
    'store_migration_failed',
    `Migrating the store failed${failed ? ` at ${failed}` : ''}: ${describeError(error)}. If another drydock process holds the database, retry; otherwise it may come from a newer drydock, or be damaged.`,
    { cause: error },
  );
}
