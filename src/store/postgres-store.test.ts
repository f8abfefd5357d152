import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../core/errors.ts';
import { newEvalInstance, newEvalRun } from './eval-store-contract.ts';
import { createSequentialIds } from './ids.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { openStore } from './open-store.ts';
import { openPostgresStore } from './postgres-store.ts';
import { postgresTestDatabases } from './postgres-test-databases.ts';
import { describeStoreContract, newSession } from './store-contract.ts';

// One server for the file; every test gets a database of its own, dropped after it.
const postgres = postgresTestDatabases('drydock_test');
const freshDatabase = () => postgres.fresh();

describeStoreContract(
  'Postgres',
  async (deps) => {
    const connectionString = await freshDatabase();
    return {
      store: await openPostgresStore({ connectionString, ...deps }),
      reopen: () => openPostgresStore({ connectionString, ...deps }),
    };
  },
  { durable: true },
);

describe('Postgres store shared by several processes', () => {
  it('two stores on one database interleave writes to one session without gaps or duplicates', async () => {
    const connectionString = await freshDatabase();
    // Opening both at once also races the migrations, which must run exactly once.
    const [a, b] = await Promise.all([
      openPostgresStore({ connectionString, ids: createSequentialIds('a-') }),
      openPostgresStore({ connectionString, ids: createSequentialIds('b-') }),
    ]);
    try {
      await a.createSession(newSession('s1'));
      const writes = Array.from({ length: 60 }, (_, i) =>
        (i % 2 === 0 ? a : b).record('s1', {
          events: [
            { type: 'model.error', step: i, message: `from ${i % 2 === 0 ? 'a' : 'b'}` },
            { type: 'model.error', step: i, message: 'second of the pair' },
          ],
          checkpoint: { last: i },
        }),
      );
      const results = await Promise.all(writes);
      // Each record got two consecutive numbers: its events were not split by another writer.
      for (const events of results) expect(events[1]!.seq).toBe(events[0]!.seq + 1);
      for (const reader of [a, b]) {
        const events = await reader.listEvents('s1');
        expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 121 }, (_, i) => i + 1));
      }
      const labels = (await a.listEvents('s1')).map((event) =>
        event.data.type === 'model.error' ? event.data.message : '',
      );
      expect(labels.filter((label) => label === 'from a')).toHaveLength(30);
      expect(labels.filter((label) => label === 'from b')).toHaveLength(30);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('numbers racing records gap-free even when the server defaults to serializable transactions', async () => {
    const connectionString = await freshDatabase();
    const name = new URL(connectionString).pathname.slice(1);
    await postgres.admin(`alter database ${name} set default_transaction_isolation = 'serializable'`);
    const store = await openPostgresStore({ connectionString });
    try {
      await store.createSession(newSession('s1'));
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.record('s1', { events: [{ type: 'model.error', step: i, message: 'race' }] }),
        ),
      );
      const seqs = (await store.listEvents('s1')).map((event) => event.seq);
      expect(seqs).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    } finally {
      await store.close();
    }
  });

  it('keeps the migrations it ran when a second store opens the database', async () => {
    const connectionString = await freshDatabase();
    const first = await openPostgresStore({ connectionString });
    await first.createSession(newSession('s1'));
    await first.close();
    const second = await openPostgresStore({ connectionString });
    try {
      expect((await second.getSession('s1'))?.id).toBe('s1');
      const client = new pg.Client({ connectionString });
      await client.connect();
      const migrations = await client.query('select name from kysely_migration order by name');
      await client.end();
      expect(migrations.rows.map((row: { name: string }) => row.name)).toEqual(
        Object.keys(MIGRATIONS).sort(),
      );
      expect(Object.keys(MIGRATIONS).slice(0, 4)).toEqual([
        '0001-initial',
        '0002-tokens',
        '0003-triggers',
        '0004-jobs',
      ]);
    } finally {
      await second.close();
    }
  });

  it("deletes an evaluation run's instances with the run", async () => {
    const connectionString = await freshDatabase();
    const store = await openPostgresStore({ connectionString });
    try {
      await store.createEvalRun(newEvalRun('r1'));
      await store.createEvalRun(newEvalRun('r2'));
      await store.saveEvalInstance(newEvalInstance('r1', 'x'));
      await store.saveEvalInstance(newEvalInstance('r2', 'x'));
      const client = new pg.Client({ connectionString });
      await client.connect();
      await client.query('delete from eval_runs where id = $1', ['r1']);
      const left = await client.query('select run_id from eval_instances');
      await client.end();
      expect(left.rows).toEqual([{ run_id: 'r2' }]);
      expect(await store.listEvalInstances('r1')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('is what openStore opens for a postgres:// url', async () => {
    const connectionString = await freshDatabase();
    const store = await openStore({ url: connectionString, sqlitePath: '/nonexistent/drydock.db' });
    try {
      await store.createSession(newSession('s1'));
    } finally {
      await store.close();
    }
    const client = new pg.Client({ connectionString });
    await client.connect();
    const rows = await client.query('select id from sessions');
    await client.end();
    expect(rows.rows).toEqual([{ id: 's1' }]);
  });

  it('fails with UnavailableError, without the password, when the server cannot be reached', async () => {
    const url = new URL(postgres.server().connectionString);
    url.port = '1';
    const error = await openPostgresStore({ connectionString: url.href }).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({
      code: 'store_unreachable',
      message: expect.stringContaining('127.0.0.1:1'),
    });
    expect((error as Error).message).not.toContain(url.password);
  });
});
