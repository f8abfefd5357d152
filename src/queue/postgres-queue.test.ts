import pg from 'pg';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../store/embedded-postgres.ts';
import { openPostgresStore } from '../store/postgres-store.ts';
import { createPostgresQueue } from './postgres-queue.ts';
import { describeQueueContract } from './queue-contract.ts';

// One server for the file; every test gets a database of its own (migrated by the store), dropped after it.
let server: EmbeddedPostgresServer;
let admin: pg.Client;
let databases = 0;
const created: string[] = [];

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
});

afterEach(async () => {
  for (const name of created.splice(0)) await admin.query(`drop database ${name} with (force)`);
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

describeQueueContract('Postgres', async (deps) => {
  databases += 1;
  const name = `drydock_queue_${databases}`;
  await admin.query(`create database ${name}`);
  created.push(name);
  const url = new URL(server.connectionString);
  url.pathname = `/${name}`;
  await (await openPostgresStore({ connectionString: url.href })).close();
  return createPostgresQueue({ connectionString: url.href, ...deps, pool: { max: 8 } });
});
