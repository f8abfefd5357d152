import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/ports/clock.ts';
import type { Store } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import { createSequentialIds } from '../store/ids.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { ChildRuns, type RunSession } from './child-runs.ts';
import { newSessionRecord } from './create-session.ts';
import type { SessionDeps } from './session-deps.ts';
import { SessionRecorder } from './session-recorder.ts';

/**
 * ChildRuns with a fake runner that really moves each child through the store: it goes to work, then
 * waits until the test lets it finish (delivered), its run is aborted (cancelled) or the worker hands
 * off (left working, live).
 */
describe('ChildRuns', () => {
  let store: Store;
  let deps: SessionDeps;
  const ids = createSequentialIds('c');
  let parent: Session;
  /** Children inside a run now, and the most there ever were at once. */
  let active = 0;
  let peak = 0;
  const finish = new Map<string, () => void>();
  const started: string[] = [];

  const fakeRun: RunSession = async (_deps, sessionId, options) => {
    const session = await store.getSession(sessionId);
    if (!session) throw new Error(`no ${sessionId}`);
    const recorder = new SessionRecorder(store, session, options);
    active += 1;
    peak = Math.max(peak, active);
    started.push(sessionId);
    try {
      if (session.state === 'queued') await recorder.transition('provisioning');
      if (recorder.session.state === 'provisioning') await recorder.transition('working');
      const how = await new Promise<'done' | 'abort' | 'hand_off'>((resolve) => {
        finish.set(sessionId, () => resolve('done'));
        if (options.signal?.aborted) resolve('abort');
        options.signal?.addEventListener('abort', () => resolve('abort'), { once: true });
        options.handOff?.addEventListener('abort', () => resolve('hand_off'), { once: true });
      });
      if (how === 'abort') await recorder.transition('cancelled', { reason: 'cancelled by the user' });
      if (how === 'done') {
        await recorder.transition('delivering');
        await recorder.transition('delivered');
      }
      return recorder.session;
    } finally {
      active -= 1;
    }
  };

  const child = async (state: Session['state'] = 'queued'): Promise<Session> => {
    const session = newSessionRecord(
      { clock: systemClock, ids },
      {
        task: 't',
        repo: '/r',
        ref: 'HEAD',
        baseCommit: 'abc',
        model: 'script:x',
        kind: 'attempt',
        parentId: parent.id,
      },
    );
    await store.createSession(session);
    if (state === 'working') {
      const recorder = new SessionRecorder(store, session, {});
      await recorder.transition('provisioning');
      await recorder.transition('working');
      return recorder.session;
    }
    return session;
  };
  const stateOf = async (id: string) => (await store.getSession(id))?.state;
  const until = async (what: () => boolean) => {
    for (let i = 0; !what(); i++) {
      if (i > 200) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const runs = (options: { concurrency?: number; signal?: AbortSignal; handOff?: AbortSignal } = {}) =>
    new ChildRuns({
      runSession: fakeRun,
      deps,
      signal: options.signal ?? new AbortController().signal,
      ...(options.handOff ? { handOff: options.handOff } : {}),
      concurrency: options.concurrency ?? 2,
      cancelPollMs: 20,
    });

  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:', clock: systemClock, ids: createSequentialIds('x') });
    deps = { store } as SessionDeps;
    parent = newSessionRecord(
      { clock: systemClock, ids },
      { task: 't', repo: '/r', ref: 'HEAD', baseCommit: 'abc', model: 'script:x', kind: 'attempts' },
    );
    await store.createSession(parent);
    active = 0;
    peak = 0;
    finish.clear();
    started.length = 0;
  });
  afterEach(async () => {
    await store.close();
  });

  it('runs at most `concurrency` children at once; the others wait their turn, oldest first', async () => {
    const children = await Promise.all([child(), child(), child(), child(), child()]);
    const tree = runs({ concurrency: 2 });
    const done = children.map((c) => tree.run(c.id));
    await until(() => active === 2);
    expect(started).toEqual([children[0]!.id, children[1]!.id]);
    // Finishing one lets the next waiting one start.
    finish.get(children[0]!.id)?.();
    finish.delete(children[0]!.id);
    await until(() => started.length === 3);
    expect(started[2]).toBe(children[2]!.id);
    // Let every run finish as it starts, until all five have run.
    while (started.length < 5 || finish.size > 0) {
      for (const [id, go] of finish) {
        finish.delete(id);
        go();
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const ended = await Promise.all(done);
    expect(ended.map((s) => s.state)).toEqual([
      'delivered',
      'delivered',
      'delivered',
      'delivered',
      'delivered',
    ]);
    expect(peak).toBe(2);
  });

  it('runs a child once however often it is asked, and an ended child not at all', async () => {
    const [a, b] = [await child(), await child()];
    const tree = runs();
    const first = tree.run(a.id);
    expect(tree.run(a.id)).toBe(first);
    expect(tree.running(a.id)).toBe(true);
    await until(() => finish.has(a.id));
    finish.get(a.id)?.();
    expect((await first).state).toBe('delivered');
    expect(tree.running(a.id)).toBe(false);
    expect((await tree.run(a.id)).state).toBe('delivered');
    expect(started).toEqual([a.id]);
    // A cancelled child that never started is not run either.
    await tree.cancel(b.id);
    expect(await stateOf(b.id)).toBe('cancelled');
    expect((await tree.run(b.id)).state).toBe('cancelled');
    expect(started).toEqual([a.id]);
  });

  it('cancel ends a running child (its run is aborted) and a queued one at once', async () => {
    const [running, waiting] = [await child(), await child()];
    const tree = runs({ concurrency: 1 });
    const done = tree.run(running.id);
    await until(() => finish.has(running.id));
    const queuedRun = tree.run(waiting.id);
    expect((await tree.cancel(running.id)).state).toBe('cancelled');
    expect((await done).state).toBe('cancelled');
    // The waiting one got the slot and runs; cancelled through its log (as the API does), it stops too.
    await until(() => finish.has(waiting.id));
    await store.record(waiting.id, { events: [{ type: 'cancel.requested' }] });
    expect((await queuedRun).state).toBe('cancelled');
  });

  it("the parent's cancel cancels every child: running ones are aborted, waiting ones cancelled unstarted", async () => {
    const children = await Promise.all([child(), child(), child()]);
    const parentCancel = new AbortController();
    const tree = runs({ concurrency: 2, signal: parentCancel.signal });
    const done = children.map((c) => tree.run(c.id));
    await until(() => active === 2);
    parentCancel.abort();
    const ended = await Promise.all(done);
    expect(ended.map((s) => s.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(started).toHaveLength(2);
  });

  it('endAll cancels running children and the live ones no run holds (left mid-run by a crash)', async () => {
    const [running, orphan, ended] = [await child(), await child('working'), await child()];
    const tree = runs();
    const done = tree.run(ended.id);
    await until(() => finish.has(ended.id));
    finish.get(ended.id)?.();
    await done;
    const live = tree.run(running.id);
    await until(() => finish.has(running.id));
    await tree.endAll(parent.id, 'its parent session ended');
    expect((await live).state).toBe('cancelled');
    expect(await stateOf(orphan.id)).toBe('cancelled');
    expect((await store.getSession(orphan.id))?.reason).toBe('its parent session ended');
    expect(await stateOf(ended.id)).toBe('delivered');
    expect(tree.running(running.id)).toBe(false);
  });

  it('a hand-off leaves children live where they stood: running ones stop, waiting ones stay queued', async () => {
    const [a, b, waiting] = [await child(), await child(), await child()];
    const handOff = new AbortController();
    const tree = runs({ concurrency: 2, handOff: handOff.signal });
    const done = [a, b, waiting].map((c) => tree.run(c.id));
    await until(() => active === 2);
    handOff.abort();
    const states = (await Promise.all(done)).map((s) => s.state);
    expect(states).toEqual(['working', 'working', 'queued']);
    await tree.settle();
    expect(await stateOf(a.id)).toBe('working');
    expect(await stateOf(waiting.id)).toBe('queued');
    expect(started).toHaveLength(2);
  });
});
