import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../core/events.ts';
import type { Store } from '../core/ports/store.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { newSession } from '../store/store-contract.ts';
import { createInProcessEventBus } from './event-bus.ts';
import { followEvents } from './follow-events.ts';
import { createStorePoller } from './store-poller.ts';

const error = (step: number) => ({ type: 'model.error' as const, step, message: `e${step}` });

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('followEvents', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:' });
    await store.createSession(newSession('s1'));
    await store.record('s1', { events: [error(1), error(2)] });
  });
  afterEach(async () => {
    await store.close();
  });

  it('replays after the cursor, then streams live events in order, filling gaps, each once', async () => {
    const bus = createInProcessEventBus();
    const poller = createStorePoller(store, bus, 10_000);
    const seen: number[] = [];
    const controller = new AbortController();
    const done = followEvents(
      { store, bus, poller },
      's1',
      1,
      async (event) => {
        seen.push(event.seq);
      },
      controller.signal,
    );
    await until(() => seen.length === 2);
    expect(seen).toEqual([2, 3]);

    const [four, five] = await store.record('s1', { events: [error(3), error(4)] });
    bus.publish(five!); // out of order: the gap (4) is read from the store
    bus.publish(four!);
    bus.publish(five!);
    await until(() => seen.length === 4);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([2, 3, 4, 5]);
    expect(bus.listenerCount('s1')).toBeGreaterThan(0);
    expect(poller.watchedCount()).toBe(1);

    controller.abort();
    await done;
    expect(bus.listenerCount()).toBe(0);
    expect(poller.watchedCount()).toBe(0);
  });

  it('streams events another process wrote, through the store poller', async () => {
    const bus = createInProcessEventBus();
    const poller = createStorePoller(store, bus, 20);
    const seen: SessionEvent[] = [];
    const controller = new AbortController();
    const done = followEvents(
      { store, bus, poller },
      's1',
      0,
      async (event) => {
        seen.push(event);
      },
      controller.signal,
    );
    await until(() => seen.length === 3);
    // Written to the store without touching the bus, as another process would.
    await store.record('s1', { events: [error(9)] });
    await until(() => seen.length === 4);
    expect(seen.at(-1)?.data).toEqual(error(9));
    controller.abort();
    await done;
    expect(poller.watchedCount()).toBe(0);
    expect(bus.listenerCount()).toBe(0);
  });
});
