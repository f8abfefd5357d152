import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { createLayeredSandboxes, type LayeredSandbox } from '../src/environments/layered-sandbox.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createWarmPool, stackKey } from '../src/sandbox/warm-pool.ts';

/** A pooled thing that records its life. */
interface FakeItem {
  key: string;
  n: number;
  destroyed: boolean;
  destroy(): Promise<void>;
}

function fakeFactory(options: { failFirst?: number } = {}) {
  let created = 0;
  let failures = options.failFirst ?? 0;
  const items: FakeItem[] = [];
  return {
    items,
    created: () => created,
    async create(key: string): Promise<FakeItem> {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (failures-- > 0) throw new Error('start failed');
      const item: FakeItem = {
        key,
        n: ++created,
        destroyed: false,
        async destroy() {
          item.destroyed = true;
        },
      };
      items.push(item);
      return item;
    },
  };
}

describe('warm pool', () => {
  it('hands over a ready item and refills in the background', async () => {
    const factory = fakeFactory();
    const pool = createWarmPool({ create: factory.create, size: 2 });
    pool.warm('a');
    await pool.settled();
    expect(pool.ready('a')).toBe(2);

    const first = await pool.acquire('a');
    expect(first).toMatchObject({ warm: true, item: { key: 'a', n: 1 } });
    expect(pool.ready('a')).toBe(1);
    await pool.settled();
    expect(pool.ready('a')).toBe(2);
    expect(factory.created()).toBe(3);
    await pool.drain();
  });

  it('starts cold for a key it has nothing for, then keeps that key warm', async () => {
    const factory = fakeFactory();
    const pool = createWarmPool({ create: factory.create, size: 1 });
    const cold = await pool.acquire('b');
    expect(cold.warm).toBe(false);
    await pool.settled();
    expect(pool.ready('b')).toBe(1);
    expect((await pool.acquire('b')).warm).toBe(true);
    expect(pool.ready('other')).toBe(0);
    await pool.drain();
  });

  it('survives failed background starts and reports them', async () => {
    const factory = fakeFactory({ failFirst: 2 });
    const errors: string[] = [];
    const pool = createWarmPool({ create: factory.create, size: 2, onError: (key) => errors.push(key) });
    pool.warm('c');
    await pool.settled();
    expect(errors).toEqual(['c', 'c']);
    expect(pool.ready('c')).toBe(0);
    expect((await pool.acquire('c')).warm).toBe(false);
    await pool.settled();
    expect(pool.ready('c')).toBe(2);
    await pool.drain();
  });

  it('destroys what waits on drain, also what was still starting, and refuses later acquires', async () => {
    const factory = fakeFactory();
    const pool = createWarmPool({ create: factory.create, size: 3 });
    pool.warm('d');
    await pool.drain();
    expect(factory.items).toHaveLength(3);
    expect(factory.items.every((item) => item.destroyed)).toBe(true);
    await expect(pool.acquire('d')).rejects.toThrow(/drained/);
  });
});

const home = await mkdtemp(join(tmpdir(), 'drydock-pool-'));
const store = await createLayerStore(home);
const { mode } = await detectWorkspaceMode(store);

describe.skipIf(mode !== 'overlay')('warm pool of layered bubblewrap sandboxes', () => {
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('hands over a started sandbox with a fresh writable layer', async () => {
    const base = await store.adopt(await store.stagingDir());
    const sandboxes = createLayeredSandboxes({
      provider: createBubblewrapProvider({ killGraceMs: 300 }),
      store,
      workspacesDir: join(home, 'workspaces'),
      mode,
    });
    const pool = createWarmPool<LayeredSandbox>({
      create: (key) => sandboxes.start({ layers: key.split(':') }, { sessionId: 'pool' }),
      size: 1,
    });
    const key = stackKey([base.id]);
    pool.warm(key);
    await pool.settled();
    const { item: first, warm } = await pool.acquire(key);
    expect(warm).toBe(true);
    await first.writeFile('mine.txt', 'first');
    await pool.settled();
    const { item: second } = await pool.acquire(key);
    // The second sandbox's writable layer is its own: the first one's file is not there.
    expect(await second.listDir('.')).toEqual([]);
    expect((await first.exec('cat mine.txt')).output).toBe('first');
    await first.destroy();
    await second.destroy();
    await pool.drain();
  });
});
