import pg from 'pg';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from './embedded-postgres.ts';

export interface PostgresTestDatabases {
  /** The file's server (started in beforeAll). */
  server(): EmbeddedPostgresServer;
  /** Runs SQL as the server's superuser (create, alter and drop databases). */
  admin(sql: string): Promise<void>;
  /** A new, empty database on the server, dropped after the test; returns its connection string. */
  fresh(): Promise<string>;
}

/**
 * For test files on Postgres: one embedded server for the file, and a database of its own for each
 * test that asks, so tests cannot see each other's rows. Registers the vitest hooks that start, clean
 * and stop it.
 */
export function postgresTestDatabases(prefix: string): PostgresTestDatabases {
  let server: EmbeddedPostgresServer | undefined;
  let admin: pg.Client | undefined;
  let count = 0;
  const created: string[] = [];

  beforeAll(async () => {
    server = await startEmbeddedPostgres();
    admin = new pg.Client({ connectionString: server.connectionString });
    await admin.connect();
  });
  afterEach(async () => {
    // FORCE ends connections a failed test left open.
    for (const name of created.splice(0)) await admin?.query(`drop database ${name} with (force)`);
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  const started = () => {
    if (!server || !admin)
      throw new Error('the test Postgres server is not started yet (use it inside tests)');
    return { server, admin };
  };
  return {
    server: () => started().server,
    admin: async (sql) => {
      await started().admin.query(sql);
    },
    async fresh() {
      const { server: running, admin: client } = started();
      count += 1;
      const name = `${prefix}_${count}`;
      await client.query(`create database ${name}`);
      created.push(name);
      const url = new URL(running.connectionString);
      url.pathname = `/${name}`;
      return url.href;
    },
  };
}
