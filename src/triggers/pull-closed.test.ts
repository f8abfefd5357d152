import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../core/ports/store.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { newSession } from '../store/store-contract.ts';
import { recordPullClosed } from './pull-closed.ts';

describe('recordPullClosed', () => {
  let store: Store;
  const close = {
    repo: 'acme/app',
    number: 7,
    url: 'https://github.com/acme/app/pull/7',
    by: 'github:alice',
  };
  const closes = async () =>
    (await store.listEvents('s1')).map((event) => event.data).filter((data) => data.type === 'pull.closed');

  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:' });
    await store.createSession(newSession('s1', { state: 'delivered' }));
    await store.linkSession('github:acme/app#7', 's1', { pull: 7 });
  });
  afterEach(() => store.close());

  it('records one close when a webhook and the sweep report it at once', async () => {
    const both = await Promise.all([
      recordPullClosed(store, { ...close, merged: true }),
      recordPullClosed(store, { ...close, merged: true }),
    ]);
    expect(both).toEqual(['s1', 's1']);
    expect(await closes()).toHaveLength(1);
  });

  it('a late redelivery of a close after the merge that followed its reopening records nothing', async () => {
    await recordPullClosed(store, { ...close, merged: false });
    await recordPullClosed(store, { ...close, merged: true });
    await recordPullClosed(store, { ...close, merged: false });
    expect((await closes()).map((data) => data.type === 'pull.closed' && data.merged)).toEqual([false, true]);
  });
});
