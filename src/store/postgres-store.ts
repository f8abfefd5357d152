import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { describeError, UnavailableError } from '../core/errors.ts';
import { type Clock, systemClock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { Store } from '../core/ports/store.ts';
import type { Database } from './database.ts';
import { createRandomIds } from './ids.ts';
import { createKyselyStore } from './kysely-store.ts';
import { migrateToLatest } from './migrate.ts';

/** The channel on which Postgres stores announce recorded events (see `EventsNotice`). */
export const EVENTS_CHANNEL = 'drydock_events';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`; the database must exist (the store creates its tables). */
  connectionString: string;
  clock?: Clock;
  ids?: IdGenerator;
  /** Connection pool settings (size, timeouts); defaults are pg's (at most 10 connections). */
  pool?: Omit<pg.PoolConfig, 'connectionString'>;
}

/**
 * The scale-out store: one Postgres database shared by any number of drydock processes. Opening it
 * migrates the schema (under Postgres's advisory lock, so processes starting together are safe).
 * The store owns its connection pool: `close()` ends it.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({ ...options.pool, connectionString: options.connectionString });
  // An idle connection that the server drops (a restart, a failover) is reported here; without a
  // listener it would crash the process. The pool discards that connection and opens a new one.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await checkConnection(db, options.connectionString);
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createKyselyStore(db, {
    clock: options.clock ?? systemClock,
    ids: options.ids ?? createRandomIds(),
    notifyChannel: EVENTS_CHANNEL,
  });
}

/** Connects once up front, so a wrong address or password reads as such rather than as a failed migration. */
async function checkConnection(db: Kysely<Database>, connectionString: string): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    // SQLSTATE class 28 (authentication) and 3D000 (no such database) will not fix themselves.
    const permanent = code.startsWith('28') || code === '3D000';
    throw new UnavailableError(
      'store_unreachable',
      `Cannot connect to the Postgres database ${describeTarget(connectionString)}: ${describeConnectError(error)}. Check the connection string (host, port, database, user and password) and that the server is running.`,
      { cause: error, transient: !permanent },
    );
  }
}

/** host:port/database, never the password. */
function describeTarget(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.host || 'localhost'}${url.pathname}`;
  } catch {
    return '(connection string not shown)';
  }
}

/** Connecting to a name with several addresses fails with an AggregateError whose own message is empty. */
function describeConnectError(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map(describeError).join('; ');
  }
  return describeError(error);
}
