import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Kysely } from 'kysely';
import { type Clock, systemClock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { Store } from '../core/ports/store.ts';
import type { Database } from './database.ts';
import { createRandomIds } from './ids.ts';
import { createKyselyStore } from './kysely-store.ts';
import { migrateToLatest } from './migrate.ts';
import { createNodeSqliteDialect } from './node-sqlite-dialect.ts';

export interface SqliteStoreOptions {
  /** A database file (created with its directory if missing), or ':memory:'. */
  path: string;
  clock?: Clock;
  ids?: IdGenerator;
}

/** How long a write waits for another process's write to finish before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * The embedded store: one SQLite file. Several processes may open the same file (a runner writes
 * while `drydock logs --follow` reads): WAL lets readers proceed during a write, and writers queue
 * for up to BUSY_TIMEOUT_MS.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const inMemory = options.path === ':memory:';
  if (!inMemory) mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
  const database = new DatabaseSync(options.path);
  // Every session's log is in it: drydock's user's alone (SQLite gives its -wal and -shm files the same mode).
  if (!inMemory) chmodSync(options.path, 0o600);
  try {
    // busy_timeout first: switching a fresh file to WAL takes a lock another process may hold.
    database.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!inMemory) database.exec('PRAGMA journal_mode = WAL');
    database.exec('PRAGMA foreign_keys = ON');
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: createNodeSqliteDialect({ database }) });
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createKyselyStore(db, {
    clock: options.clock ?? systemClock,
    ids: options.ids ?? createRandomIds(),
  });
}
