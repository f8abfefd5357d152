import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { openStore, resolveStoreLocation } from './open-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { newSession } from './store-contract.ts';

const HOME_DB = '/home/me/.drydock/drydock.db';

describe('resolveStoreLocation', () => {
  it.each([
    [undefined, { kind: 'sqlite', path: HOME_DB }],
    ['', { kind: 'sqlite', path: HOME_DB }],
    ['  ', { kind: 'sqlite', path: HOME_DB }],
    ['sqlite:/var/lib/drydock/store.db', { kind: 'sqlite', path: '/var/lib/drydock/store.db' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    [
      'postgres://u:p@db:5432/drydock',
      { kind: 'postgres', connectionString: 'postgres://u:p@db:5432/drydock' },
    ],
    [' postgresql://db/drydock ', { kind: 'postgres', connectionString: 'postgresql://db/drydock' }],
  ])('%j', (url, expected) => {
    expect(resolveStoreLocation(url, HOME_DB)).toEqual(expected);
  });

  it.each(['mysql://root:hunter2@db/drydock', 'postgres:/db', 'sqlite:', './drydock.db'])(
    'refuses %j without echoing a password',
    (url) => {
      let error: unknown;
      try {
        resolveStoreLocation(url, HOME_DB);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(BadInputError);
      expect(error).toMatchObject({ code: 'unknown_database_url' });
      expect((error as Error).message).not.toContain('hunter2');
    },
  );
});

describe('openStore', () => {
  it('opens SQLite at the default path when no url is set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drydock-open-store-'));
    try {
      const path = join(dir, 'drydock.db');
      const store = await openStore({ url: undefined, sqlitePath: path });
      await store.createSession(newSession('s1'));
      await store.close();
      const again = await openSqliteStore({ path });
      expect((await again.getSession('s1'))?.id).toBe('s1');
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
