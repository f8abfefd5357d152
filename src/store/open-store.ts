import { BadInputError } from '../core/errors.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { Store } from '../core/ports/store.ts';
import { openPostgresStore } from './postgres-store.ts';
import { openSqliteStore } from './sqlite-store.ts';

export interface OpenStoreOptions {
  /**
   * Where the data lives, usually `DRYDOCK_DATABASE_URL`: `postgres://` or `postgresql://` for
   * Postgres, `sqlite:<path>` for a SQLite file; unset or empty for SQLite at `sqlitePath`.
   */
  url?: string | undefined;
  /** The SQLite file used when no url is given (drydock's home: `<home>/drydock.db`). */
  sqlitePath: string;
  clock?: Clock;
  ids?: IdGenerator;
}

export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; connectionString: string };

/**
 * Opens the store the configuration names:
 * `openStore({ url: process.env.DRYDOCK_DATABASE_URL, sqlitePath: join(home, 'drydock.db'), clock, ids })`.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const location = resolveStoreLocation(options.url, options.sqlitePath);
  const deps = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.ids ? { ids: options.ids } : {}),
  };
  return location.kind === 'postgres'
    ? openPostgresStore({ connectionString: location.connectionString, ...deps })
    : openSqliteStore({ path: location.path, ...deps });
}

/** Which database a url names. Pure; throws BadInputError for a url it does not understand. */
export function resolveStoreLocation(url: string | undefined, sqlitePath: string): StoreLocation {
  const trimmed = url?.trim() ?? '';
  if (trimmed === '') return { kind: 'sqlite', path: sqlitePath };
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { kind: 'postgres', connectionString: trimmed };
  const sqlite = /^sqlite:(.+)$/i.exec(trimmed);
  if (sqlite?.[1]) return { kind: 'sqlite', path: sqlite[1] };
  // The value may hold a password: name only its scheme.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
  throw new BadInputError(
    'unknown_database_url',
    `The database url ${scheme ? `(scheme "${scheme}:")` : `"${trimmed}"`} is neither postgres://user:password@host:port/database nor sqlite:<path>; fix DRYDOCK_DATABASE_URL, or unset it to use SQLite in drydock's home.`,
  );
}
