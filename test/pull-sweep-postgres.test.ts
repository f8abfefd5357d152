import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../src/core/ports/clock.ts';
import type { Store } from '../src/core/ports/store.ts';
import { createGithubForge, staticGithubToken } from '../src/forge/github-forge.ts';
import { openPostgresStore } from '../src/store/postgres-store.ts';
import { postgresTestDatabases } from '../src/store/postgres-test-databases.ts';
import { newSession } from '../src/store/store-contract.ts';
import { originKey, toJsonValue } from '../src/triggers/forge-link.ts';
import { recordPullClosed } from '../src/triggers/pull-closed.ts';
import { createPullSweep } from '../src/triggers/pull-sweep.ts';
import { startFakeGithub } from './fakes/fake-github.ts';
import { forTest } from './support/forge-fakes.ts';

const postgres = postgresTestDatabases('drydock_pull_sweep');

/** Two server processes on one Postgres store: one sweeps each run, and a close is recorded once. */
describe('pull-request sweep on Postgres scale-out', () => {
  const closing: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  /** Two stores (two processes' connections) on one fresh database, with session s1's pull request #7 merged. */
  async function twoProcesses() {
    const connectionString = await postgres.fresh();
    const stores: Store[] = [];
    for (let i = 0; i < 2; i += 1) {
      const store = await openPostgresStore({ connectionString });
      closing.push(() => store.close());
      stores.push(store);
    }
    const [a, b] = stores as [Store, Store];
    await a.createSession(newSession('s1', { state: 'delivered' }));
    await a.linkSession(
      originKey('acme/app', 's1'),
      's1',
      toJsonValue({ origin: true, repo: 'acme/app', base: 'main', issue: null, requester: 'me', pull: 7 }),
    );
    await a.linkSession('github:acme/app#7', 's1', { pull: 7 });
    const github = await forTest(startFakeGithub({ token: 't' }));
    github.addRepo('acme/app').pulls.push({
      number: 7,
      head: 'drydock/s1',
      base: 'main',
      title: 'Fix',
      body: '',
      draft: false,
      state: 'closed',
      mergedBy: 'maintainer',
    });
    const closes = async () =>
      (await a.listEvents('s1'))
        .filter((event) => event.data.type === 'pull.closed')
        .map((event) => event.data);
    return { a, b, github, closes };
  }

  it('of two processes sweeping the same run, one asks the forge and the merge is recorded once', async () => {
    const { a, b, github, closes } = await twoProcesses();
    const clock: Clock = { now: () => new Date('2026-03-01T10:05:00Z') };
    const forge = createGithubForge({ tokens: staticGithubToken('t'), baseUrl: github.url });
    const sweeps = [a, b].map((store) => createPullSweep({ store, forge, clock, intervalMs: 30 * 60_000 }));
    const reports = await Promise.all(sweeps.map((sweep) => sweep.sweep()));
    expect(reports.map((report) => report.skipped).sort()).toEqual([false, true]);
    expect(github.requests.filter((request) => request.path === '/repos/acme/app/pulls/7')).toHaveLength(1);
    expect(await closes()).toEqual([
      {
        type: 'pull.closed',
        url: 'https://github.example/acme/app/pull/7',
        number: 7,
        merged: true,
        by: 'github:maintainer',
      },
    ]);
  });

  it('a webhook in one process and the sweep in another reporting one merge at once record it once', async () => {
    const { a, b, closes } = await twoProcesses();
    const close = { repo: 'acme/app', number: 7, url: 'https://github.com/acme/app/pull/7', merged: true };
    await Promise.all([
      recordPullClosed(a, { ...close, by: 'github:maintainer' }),
      recordPullClosed(b, close),
      recordPullClosed(a, close),
    ]);
    expect(await closes()).toHaveLength(1);
  });
});
