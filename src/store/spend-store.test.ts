import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createSequentialIds } from './ids.ts';
import { openPostgresStore } from './postgres-store.ts';
import { postgresTestDatabases } from './postgres-test-databases.ts';
import { describeSpendStoreContract } from './spend-store-contract.ts';
import { openSqliteStore } from './sqlite-store.ts';

let root: string;
let files = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'drydock-spend-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeSpendStoreContract('SQLite, two stores on one file', async (clock) => {
  files += 1;
  const path = join(root, `spend-${files}.db`);
  const a = await openSqliteStore({ path, clock, ids: createSequentialIds('a-') });
  const b = await openSqliteStore({ path, clock, ids: createSequentialIds('b-') });
  return { a, b };
});

const postgres = postgresTestDatabases('drydock_spend');
describeSpendStoreContract('Postgres, two stores on one database', async (clock) => {
  const connectionString = await postgres.fresh();
  const a = await openPostgresStore({ connectionString, clock, ids: createSequentialIds('a-') });
  const b = await openPostgresStore({ connectionString, clock, ids: createSequentialIds('b-') });
  return { a, b };
});
