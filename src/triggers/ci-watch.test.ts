import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckRun, Forge } from '../core/ports/forge.ts';
import type { Store } from '../core/ports/store.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { newSession } from '../store/store-contract.ts';
import { createCiWatcher, type WaitClock } from './ci-watch.ts';
import { findForgeLink, originKey, toJsonValue } from './forge-link.ts';

/** Sleeps end when the test calls `advance`. */
function manualClock(): WaitClock & { advance(): void } {
  let sleepers: Array<() => void> = [];
  return {
    now: () => new Date(0),
    sleep: (_ms, signal) =>
      new Promise<void>((resolve) => {
        sleepers.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    advance() {
      const due = sleepers;
      sleepers = [];
      for (const resolve of due) resolve();
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('createCiWatcher', () => {
  let store: Store;
  let runs: CheckRun[];
  let failures: number;
  let comments: string[];
  let woken: string[];
  let errors: unknown[];
  const forge = {
    kind: 'github',
    listCheckRuns: async () => {
      if (failures > 0) {
        failures--;
        throw new Error('GitHub is down');
      }
      return runs;
    },
    checkRunLog: async (_repo: string, run: CheckRun) => `log of ${run.name}\nboom`,
    comment: async (_repo: string, _number: number, body: string) => {
      comments.push(body);
      return { id: 1, url: '', author: 'drydock[bot]', body };
    },
  } as unknown as Forge;

  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:' });
    runs = [];
    failures = 0;
    comments = [];
    woken = [];
    errors = [];
    await store.createSession(newSession('s1'));
    await store.record('s1', { patch: { state: 'delivered', headCommit: 'c1', branch: 'drydock/x' } });
    await store.linkSession(
      originKey('acme/app', 's1'),
      's1',
      toJsonValue({
        origin: true,
        repo: 'acme/app',
        base: 'main',
        issue: 1,
        requester: 'me',
        pull: 7,
        publishedCommit: 'c1',
      }),
    );
    await store.linkSession('github:acme/app#7', 's1', { pull: 7 });
  });
  afterEach(async () => {
    await store.close();
  });

  const watcher = (clock: WaitClock) =>
    createCiWatcher({
      store,
      forge,
      clock,
      delaysMs: [1, 1, 1, 1],
      wake: (id) => woken.push(id),
      onError: (error) => errors.push(error),
    });

  it('a webhook and the poller on the same failing commit start one turn', async () => {
    const clock = manualClock();
    const ci = watcher(clock);
    ci.watch('s1', 'c1');
    runs = [{ id: 1, name: 'test', status: 'completed', conclusion: 'failure' }];
    expect(await ci.checkCommit('acme/app', 'c1', [7])).toBe('s1');
    clock.advance();
    await tick();
    await ci.idle();
    expect(woken).toEqual(['s1']);
    expect(comments).toHaveLength(1);
    expect((await store.getSession('s1'))?.state).toBe('queued');
    const texts = (await store.listEvents('s1')).flatMap((e) =>
      e.data.type === 'message.received' ? [e.data.text] : [],
    );
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('log of test\nboom');
    expect(findForgeLink(await store.listLinks({ sessionId: 's1' }))?.data).toMatchObject({
      ciFollowUps: 1,
      ciHandled: 'c1',
    });
    ci.stop();
  });

  it('keeps polling through forge errors and running checks, and finds the commit without a pull request number', async () => {
    const clock = manualClock();
    const ci = watcher(clock);
    ci.watch('s1', 'c1');
    failures = 1;
    clock.advance();
    await tick();
    runs = [{ id: 1, name: 'test', status: 'in_progress', conclusion: null }];
    clock.advance();
    await tick();
    expect(errors).toHaveLength(1);
    expect(woken).toEqual([]);
    runs = [{ id: 1, name: 'test', status: 'completed', conclusion: 'success' }];
    expect(await ci.checkCommit('acme/app', 'c1', [])).toBe('s1');
    expect(findForgeLink(await store.listLinks({ sessionId: 's1' }))?.data.ciHandled).toBe('c1');
    expect(woken).toEqual([]);
    expect(comments).toEqual([]);
    ci.stop();
  });

  it('leaves alone a commit the session moved past, and commits it never pushed', async () => {
    const ci = watcher(manualClock());
    runs = [{ id: 1, name: 'test', status: 'completed', conclusion: 'failure' }];
    await store.record('s1', { patch: { headCommit: 'c2' } });
    expect(await ci.checkCommit('acme/app', 'c1', [7])).toBe('s1');
    expect(await ci.checkCommit('acme/app', 'zzz', [])).toBeNull();
    expect(woken).toEqual([]);
    expect(comments).toEqual([]);
  });
});
