import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../agent/tool.ts';
import { systemClock } from '../../core/ports/clock.ts';
import type { ModelRouter } from '../../core/ports/models.ts';
import type { Store } from '../../core/ports/store.ts';
import { DEFAULT_BUDGET, type Session } from '../../core/session.ts';
import { createSequentialIds } from '../../store/ids.ts';
import { openSqliteStore } from '../../store/sqlite-store.ts';
import { newSession } from '../../store/store-contract.ts';
import { initialCheckpoint } from '../session-checkpoint.ts';
import type { SessionRun } from '../session-run.ts';
import { ManagerDesk } from './child-desk.ts';

/** A manager's run as the desk uses it: the store, the budget, its checkpoint, and children that never run. */
function managerRun(store: Store, manager: Session, maxCostUsd: number): SessionRun {
  const run = {
    deps: {
      store,
      clock: systemClock,
      ids: createSequentialIds('c'),
      budget: { ...DEFAULT_BUDGET, maxCostUsd },
      models: () => ({}) as ModelRouter,
      // Where spend on a forge repository's clone is charged (spend-limits.ts); none here.
      home: '/nonexistent-drydock-home',
    },
    recorder: { session: manager },
    checkpoint: initialCheckpoint(manager.task),
    observer: {},
    children: {
      run: async (id: string) => (await store.getSession(id)) as Session,
      running: () => false,
      cancel: async (id: string) => (await store.getSession(id)) as Session,
    },
  };
  // A partial run: the desk reads only what is above.
  return run as unknown as SessionRun;
}

const spend = (store: Store, id: string, costUsd: number, state?: Session['state']) =>
  store.record(id, {
    patch: { usage: { inputTokens: 100, outputTokens: 10, costUsd }, ...(state ? { state } : {}) },
  });

describe('ManagerDesk', () => {
  let store: Store;
  const manager = newSession('m1', { kind: 'manager', state: 'working', model: 'openai:gpt-5-mini' });
  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:', clock: systemClock, ids: createSequentialIds('a-') });
    await store.createSession(manager);
  });
  afterEach(async () => {
    await store.close();
  });

  it("rolls each child's usage into the manager's once, as it grows, and tells its end once", async () => {
    const run = managerRun(store, manager, 10);
    const desk = new ManagerDesk(run, { maxChildren: 5 });
    const child = await desk.spawn({ task: 'part one', context: 'the other part is in b.ts' });
    expect(child).toMatchObject({ id: 'c1', state: 'queued', model: 'openai:gpt-5-mini' });
    expect((await store.getSession('c1'))?.task).toBe(
      'part one\n\nContext from the manager:\nthe other part is in b.ts',
    );
    expect(run.checkpoint.children?.c1?.budgetUsd).toBeCloseTo(10 / 6);
    expect(run.checkpoint.children?.c1?.budgetTokens).toBe(DEFAULT_BUDGET.maxTokens / 6);

    await spend(store, 'c1', 0.3);
    expect(await desk.rollUp()).toEqual({
      usage: { inputTokens: 100, outputTokens: 10, costUsd: 0.3 },
      events: [],
    });
    expect(await desk.rollUp()).toEqual({ usage: null, events: [] });

    await spend(store, 'c1', 0.5, 'delivered');
    const ended = await desk.rollUp();
    expect(ended.usage?.costUsd).toBeCloseTo(0.2);
    expect(ended.usage?.inputTokens).toBe(0);
    expect(ended.events).toEqual([{ type: 'child.ended', childId: 'c1', state: 'delivered', reason: null }]);
    expect(await desk.rollUp()).toEqual({ usage: null, events: [] });
  });

  it('refuses a child when the run has spent its cost, or a script model under a real one; ids it does not know are errors', async () => {
    const run = managerRun(store, manager, 1);
    run.checkpoint.agent.usage = { inputTokens: 0, outputTokens: 0, costUsd: 1 };
    const desk = new ManagerDesk(run, { maxChildren: 5 });
    await expect(desk.spawn({ task: 'part' })).rejects.toThrow(/cost budget \(\$1\.00\) is spent/);
    run.checkpoint.agent.usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
    await expect(desk.spawn({ task: 'part', model: 'script:/etc/passwd' })).rejects.toThrow(ToolError);
    await expect(desk.result('nope')).rejects.toThrow(/No child nope of this manager/);
    expect(await store.listSessions({ parentId: 'm1' })).toEqual([]);
  });

  it('adopts the child a spawn made before a crash instead of making a second one', async () => {
    const first = new ManagerDesk(managerRun(store, manager, 10), { maxChildren: 5 });
    await first.spawn({ task: 'part one' });
    // The run died before the step with the spawn's result was saved: the checkpoint knows no child.
    const resumed = new ManagerDesk(managerRun(store, manager, 10), { maxChildren: 5 });
    await resumed.relaunch();
    expect(await resumed.spawn({ task: 'part one' })).toMatchObject({ id: 'c1' });
    expect(await store.listSessions({ parentId: 'm1' })).toHaveLength(1);
  });
});
