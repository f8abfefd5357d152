import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../core/errors.ts';
import { createNodeSqliteDialect } from './node-sqlite-dialect.ts';

interface TestDatabase {
  items: { id: number; name: string };
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(path = ':memory:'): Promise<Kysely<TestDatabase>> {
  const database = new DatabaseSync(path);
  database.exec('PRAGMA busy_timeout = 0');
  const db = new Kysely<TestDatabase>({ dialect: createNodeSqliteDialect({ database }) });
  cleanups.push(() => db.destroy());
  await db.schema
    .createTable('items')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .execute();
  return db;
}

describe('node:sqlite dialect', () => {
  it('returns plain objects and reports affected rows', async () => {
    const db = await open();
    const inserted = await db
      .insertInto('items')
      .values([
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
      ])
      .executeTakeFirst();
    expect(inserted.numInsertedOrUpdatedRows).toBe(2n);
    const rows = await db.selectFrom('items').selectAll().orderBy('id').execute();
    expect(rows).toStrictEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    const returned = await db.insertInto('items').values({ id: 3, name: 'c' }).returning('name').execute();
    expect(returned).toStrictEqual([{ name: 'c' }]);
  });

  it('streams select results', async () => {
    const db = await open();
    await db.insertInto('items').values({ id: 1, name: 'a' }).execute();
    const names: string[] = [];
    for await (const row of db.selectFrom('items').select('name').stream()) names.push(row.name);
    expect(names).toEqual(['a']);
  });

  it('rolls a failed transaction back', async () => {
    const db = await open();
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 1, name: 'a' }).execute();
        await sql`select * from missing_table`.execute(trx);
      }),
    ).rejects.toThrow(/missing_table/);
    expect(await db.selectFrom('items').selectAll().execute()).toEqual([]);
  });

  it('turns a write lock held past the busy timeout into a transient UnavailableError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drydock-dialect-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'busy.db');
    const db = await open(path);
    // Another connection, as another process would, holds the write lock.
    const holder = new DatabaseSync(path);
    holder.exec('begin immediate');

    const attempt = db
      .transaction()
      .execute((trx) => trx.insertInto('items').values({ id: 1, name: 'a' }).execute());
    await expect(attempt).rejects.toBeInstanceOf(UnavailableError);
    await expect(attempt).rejects.toMatchObject({ code: 'store_busy', transient: true });

    holder.exec('rollback');
    holder.close();
    await db.transaction().execute((trx) => trx.insertInto('items').values({ id: 1, name: 'a' }).execute());
    expect(await db.selectFrom('items').select('name').execute()).toEqual([{ name: 'a' }]);
  });
});
