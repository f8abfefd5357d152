import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../src/core/ports/clock.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createForgeRegistry } from '../src/forge/forge-registry.ts';
import { createGithubForge, staticGithubToken } from '../src/forge/github-forge.ts';
import { newSession } from '../src/store/store-contract.ts';
import { originKey, toJsonValue } from '../src/triggers/forge-link.ts';
import { handleGithubDelivery } from '../src/triggers/github-webhook.ts';
import { recordPullClosed } from '../src/triggers/pull-closed.ts';
import { createPullSweep } from '../src/triggers/pull-sweep.ts';
import { DEFAULT_GITHUB_SETTINGS, type TriggerDeps } from '../src/triggers/trigger-deps.ts';
import { type FakeGithub, type FakeRepo, startFakeGithub } from './fakes/fake-github.ts';
import { githubExample } from './support/github-examples.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

const INTERVAL_MS = 30 * 60_000;

/** Pull requests merged or closed while drydock was not listening are recorded by the sweep, once. */
describe('pull-request sweep on GitHub', () => {
  let h: Harness;
  let github: FakeGithub;
  let repo: FakeRepo;
  let now: Date;
  let errors: unknown[];
  const clock: Clock = { now: () => now };

  /** A delivered session whose pull request `number` drydock opened (each after the ones before). */
  async function delivered(id: string, number: number): Promise<void> {
    await h.store.createSession(newSession(id, { state: 'delivered' }));
    await h.store.linkSession(
      originKey('acme/app', id),
      id,
      toJsonValue({
        origin: true,
        repo: 'acme/app',
        base: 'main',
        issue: null,
        requester: 'me',
        pull: number,
      }),
    );
    await h.store.linkSession(`github:acme/app#${number}`, id, { pull: number });
    repo.pulls.push({
      number,
      head: `drydock/${id}`,
      base: 'main',
      title: id,
      body: '',
      draft: false,
      state: 'open',
    });
  }
  const pull = (number: number) => {
    const found = repo.pulls.find((each) => each.number === number);
    if (!found) throw new Error(`no pull request #${number}`);
    return found;
  };
  const closes = async (sessionId: string) =>
    (await h.store.listEvents(sessionId))
      .map((event) => event.data)
      .filter((data) => data.type === 'pull.closed');
  const sweep = (limit?: number) =>
    createPullSweep({
      store: h.store,
      forge: createForgeRegistry({
        github: createGithubForge({ tokens: staticGithubToken('t'), baseUrl: github.url }),
      }),
      clock,
      intervalMs: INTERVAL_MS,
      ...(limit === undefined ? {} : { limit }),
      onError: (error) => errors.push(error),
    });
  /** The next sweep run's time. */
  const later = () => {
    now = new Date(now.getTime() + INTERVAL_MS);
  };
  const asked = () =>
    github.requests.filter((request) => /^\/repos\/acme\/app\/pulls\/\d+$/.test(request.path));

  beforeEach(async () => {
    h = await createHarness();
    github = await startFakeGithub({ token: 't' });
    repo = github.addRepo('acme/app');
    now = new Date('2026-03-01T10:00:00.000Z');
    errors = [];
    await delivered('s-merged', 7);
    await delivered('s-open', 8);
  });
  afterEach(async () => {
    await github.close();
    await h.close();
  });

  it('records a merge no webhook told of once, and the webhook for it later records nothing more', async () => {
    Object.assign(pull(7), { state: 'closed', mergedBy: 'maintainer', closedAt: '2026-02-01T00:00:00Z' });
    expect(await sweep().sweep()).toMatchObject({ skipped: false, asked: 2, found: 1 });
    const recorded = [
      {
        type: 'pull.closed',
        url: 'https://github.example/acme/app/pull/7',
        number: 7,
        merged: true,
        by: 'github:maintainer',
      },
    ];
    expect(await closes('s-merged')).toEqual(recorded);
    // An open pull request: nothing recorded.
    expect(await closes('s-open')).toEqual([]);

    // GitHub's webhook for the same merge arrives late (a redelivery from its UI).
    const payload = githubExample('pull_request', 'closed', (p) => {
      p.repository.full_name = 'acme/app';
      p.pull_request.number = 7;
      p.pull_request.html_url = 'https://github.com/acme/app/pull/7';
      p.pull_request.merged = true;
      p.pull_request.merged_by = { login: 'maintainer' };
    });
    const deps: TriggerDeps = {
      sessions: h.deps,
      forge: null,
      defaultModel: 'script:demo',
      publicUrl: 'https://drydock.example',
      github: DEFAULT_GITHUB_SETTINGS,
      wake: () => {},
      watch: () => {},
    };
    await handleGithubDelivery(deps, {
      id: 'late-1',
      event: 'pull_request',
      payload,
      rawBody: new TextEncoder().encode(JSON.stringify(payload)),
    });
    expect(await closes('s-merged')).toEqual(recorded);

    // The next runs never ask about #7 again; the open #8 is asked each run.
    const before = asked().length;
    later();
    expect(await sweep().sweep()).toMatchObject({ asked: 1, found: 0 });
    expect(
      asked()
        .slice(before)
        .map((request) => request.path),
    ).toEqual(['/repos/acme/app/pulls/8']);
  });

  it('a close the webhook recorded first is not recorded again, nor asked about', async () => {
    Object.assign(pull(7), { state: 'closed', mergedBy: 'maintainer' });
    const payload = githubExample('pull_request', 'closed', (p) => {
      p.repository.full_name = 'acme/app';
      p.pull_request.number = 7;
      p.pull_request.merged = true;
      p.pull_request.merged_by = { login: 'maintainer' };
    });
    await handleGithubDelivery(
      {
        sessions: h.deps,
        forge: null,
        defaultModel: 'script:demo',
        publicUrl: 'https://drydock.example',
        github: DEFAULT_GITHUB_SETTINGS,
        wake: () => {},
        watch: () => {},
      },
      {
        id: 'd-1',
        event: 'pull_request',
        payload,
        rawBody: new TextEncoder().encode(JSON.stringify(payload)),
      },
    );
    expect(await sweep().sweep()).toMatchObject({ asked: 1, found: 0 });
    expect(asked().map((request) => request.path)).toEqual(['/repos/acme/app/pulls/8']);
    expect(await closes('s-merged')).toHaveLength(1);
  });

  it('a rate limit stops the run without recording anything; the next run records the merge', async () => {
    Object.assign(pull(7), { state: 'closed', mergedBy: 'maintainer' });
    github.failNext(1, 429, 60);
    expect(await sweep().sweep()).toMatchObject({ asked: 1, found: 0, stoppedEarly: true });
    // Nothing more was asked after the 429, and nothing was recorded.
    expect(asked()).toHaveLength(1);
    expect(await closes('s-merged')).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ code: 'forge_failed', transient: true })]);
    later();
    expect(await sweep().sweep()).toMatchObject({ asked: 2, found: 1, stoppedEarly: false });
    expect(await closes('s-merged')).toMatchObject([{ number: 7, merged: true }]);
  });

  it('a closed, unmerged pull request is recorded as closed, without a name GitHub does not give', async () => {
    Object.assign(pull(8), { state: 'closed', closedAt: '2026-02-01T00:00:00Z' });
    await sweep().sweep();
    expect(await closes('s-open')).toEqual([
      { type: 'pull.closed', url: 'https://github.example/acme/app/pull/8', number: 8, merged: false },
    ]);
  });

  it('asks a few per run, oldest first, and the rest on the next runs', async () => {
    await delivered('s-third', 9);
    expect(await sweep(2).sweep()).toMatchObject({ asked: 2 });
    expect(asked().map((request) => request.path)).toEqual([
      '/repos/acme/app/pulls/7',
      '/repos/acme/app/pulls/8',
    ]);
    later();
    expect(await sweep(2).sweep()).toMatchObject({ asked: 2 });
    // #9 was never asked: it goes first; then the one asked longest ago.
    expect(
      asked()
        .slice(2)
        .map((request) => request.path),
    ).toEqual(['/repos/acme/app/pulls/9', '/repos/acme/app/pulls/7']);
  });

  it('reads a bounded number of logs per run when many closes are already recorded', async () => {
    // Eleven more sessions whose merges a webhook recorded (#7 and #8 stay open): a run asking 1 reads 10 logs.
    for (let number = 20; number < 31; number += 1) {
      await delivered(`s-${number}`, number);
      await recordPullClosed(h.store, { repo: 'acme/app', number, url: `u/${number}`, merged: true });
    }
    const done = async () => (await h.store.listLinks({ prefix: 'pull-sweep:' })).length;
    expect(await sweep(1).sweep()).toMatchObject({ asked: 1 });
    // Ten logs read: #7 was asked, #8 waits (one question per run), eight recorded closes were found.
    expect(await done()).toBe(9);
    expect(asked()).toHaveLength(1);
    later();
    // Never-asked first: #8 is asked, the last three recorded closes are found.
    expect(await sweep(1).sweep()).toMatchObject({ asked: 1 });
    expect(await done()).toBe(13);
  });

  it('of two processes sweeping in the same interval, one asks; the other skips', async () => {
    const [a, b] = await Promise.all([sweep().sweep(), sweep().sweep()]);
    expect([a.skipped, b.skipped].sort()).toEqual([false, true]);
    expect(asked()).toHaveLength(2);
  });

  it('asks nothing of a forge this server has not configured', async () => {
    await h.store.createSession(newSession('s-gitlab', { state: 'delivered' }));
    await h.store.linkSession(
      originKey('gitlab:acme/app', 's-gitlab'),
      's-gitlab',
      toJsonValue({
        origin: true,
        repo: 'gitlab:acme/app',
        base: 'main',
        issue: null,
        requester: 'me',
        pull: 3,
      }),
    );
    expect(await sweep().sweep()).toMatchObject({ asked: 2 });
    expect(errors).toEqual([]);
  });

  it("drydock up's server sweeps at start when DRYDOCK_PULL_SWEEP_MINUTES is set, and not at 0", async () => {
    Object.assign(pull(7), { state: 'closed', mergedBy: 'maintainer' });
    const triggers = {
      forge: createGithubForge({ tokens: staticGithubToken('t'), baseUrl: github.url }),
      githubWebhookSecret: 'secret',
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 7)),
      ci: { disabled: true },
    };
    // 0 (off) reaches the server as null: nothing is asked.
    const off = await startTestServer(h, { concurrency: 1, triggers, pullSweepMinutes: null });
    await off.close(10_000);
    expect(asked()).toEqual([]);
    const on = await startTestServer(h, { concurrency: 1, triggers, pullSweepMinutes: 30 });
    // Closing waits for the sweep in flight.
    await on.close(10_000);
    expect(await closes('s-merged')).toMatchObject([{ number: 7, merged: true, by: 'github:maintainer' }]);
  });
});
