import { openPostgresStore } from '../store/postgres-store.ts';
import { postgresTestDatabases } from '../store/postgres-test-databases.ts';
import { createPostgresQueue } from './postgres-queue.ts';
import { describeQueueContract } from './queue-contract.ts';

// One server for the file; every test gets a database of its own (migrated by the store), dropped after it.
const postgres = postgresTestDatabases('drydock_queue');

describeQueueContract('Postgres', async (deps) => {
  const connectionString = await postgres.fresh();
  await (await openPostgresStore({ connectionString })).close();
  return createPostgresQueue({ connectionString, ...deps, pool: { max: 8 } });
});
