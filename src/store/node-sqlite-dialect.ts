import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Kysely,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type SqliteStatement,
} from 'kysely';
import { UnavailableError } from '../core/errors.ts';
import { createKeyedMutex, type Release } from './keyed-mutex.ts';

export interface NodeSqliteDialectOptions {
  /** An open database. Kysely's `destroy()` closes it. */
  database: DatabaseSync;
}

/**
 * A Kysely dialect over Node's built-in `node:sqlite`, so the embedded store needs no native npm
 * module. It reuses Kysely's SQLite driver with two changes that matter when several stores (in
 * this process or others) share one file: transactions begin IMMEDIATE, taking the write lock up
 * front so they never fail halfway when upgrading from a read, and transactions on the same file
 * from this process queue on an in-process lock first (see `NodeSqliteDriver`).
 */
export function createNodeSqliteDialect(options: NodeSqliteDialectOptions): Dialect {
  const database = options.database;
  return {
    createDriver: () => new NodeSqliteDriver(database),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new NodeSqliteAdapter(),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
  };
}

/**
 * node:sqlite is synchronous: a BEGIN that waits on SQLite's busy timeout blocks the whole thread,
 * including the other store in this process that holds the lock and needs the thread to commit.
 * So writers on one file within a process take turns on this mutex, and SQLite's busy timeout only
 * ever waits for other processes.
 */
const fileWriteLocks = createKeyedMutex();

class NodeSqliteDriver extends SqliteDriver {
  readonly #database: DatabaseSync;
  /** Kysely's SQLite driver has one connection, so at most one transaction is open at a time. */
  #release: Release | undefined;

  constructor(database: DatabaseSync) {
    super({ database: adaptDatabase(database) });
    this.#database = database;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // In-memory databases are private to their connection: nothing to share, nothing to lock.
    const file = this.#database.location();
    const release = file ? await fileWriteLocks.acquire(file) : undefined;
    try {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (error) {
      release?.();
      throw isBusy(error)
        ? new UnavailableError(
            'store_busy',
            `The database ${file} stayed locked by another process for longer than its busy timeout; retry shortly.`,
            { cause: error },
          )
        : error;
    }
    this.#release = release;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // On a failed commit Kysely calls rollbackTransaction, which releases the lock.
    await connection.executeQuery(CompiledQuery.raw('commit'));
    this.#releaseLock();
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      // SQLite may already have rolled back on its own (a failed commit, some I/O errors); a second
      // ROLLBACK would fail and hide the error that caused it.
      if (this.#database.isTransaction) {
        await connection.executeQuery(CompiledQuery.raw('rollback'));
      }
    } finally {
      this.#releaseLock();
    }
  }

  #releaseLock(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}

/** SQLITE_BUSY, possibly extended (SQLITE_BUSY_RECOVERY, ...): the primary code is the low byte. */
function isBusy(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('errcode' in error)) return false;
  return typeof error.errcode === 'number' && (error.errcode & 0xff) === 5;
}

/** SQLite's DDL is transactional: the Migrator runs all pending migrations in one transaction. */
class NodeSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** Prepared statements are reused: the store runs the same few statements over and over. */
const MAX_CACHED_STATEMENTS = 100;

/** Adapts DatabaseSync to the better-sqlite3 shaped interface Kysely's SQLite driver expects. */
function adaptDatabase(database: DatabaseSync): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close() {
      cache.clear();
      database.close();
    },
    prepare(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = adaptStatement(database.prepare(sql));
        if (cache.size >= MAX_CACHED_STATEMENTS) {
          const oldest = cache.keys().next();
          if (!oldest.done) cache.delete(oldest.value);
        }
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

function adaptStatement(statement: StatementSync): SqliteStatement {
  const reader = statement.columns().length > 0;
  return {
    reader,
    all: (parameters) => statement.all(...toInputs(parameters)).map(toPlainObject),
    run: (parameters) => statement.run(...toInputs(parameters)),
    *iterate(parameters) {
      for (const row of statement.iterate(...toInputs(parameters))) yield toPlainObject(row);
    },
  };
}

/** node:sqlite validates each value itself and throws a clear error for unsupported types. */
function toInputs(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters as SQLInputValue[];
}

/** node:sqlite rows have a null prototype, which surprises deep equality checks and spreads. */
function toPlainObject(row: unknown): unknown {
  return typeof row === 'object' && row !== null ? { ...row } : row;
}
