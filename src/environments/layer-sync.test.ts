import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadInputError, UnavailableError } from '../core/errors.ts';
import type { SnapshotStore } from '../core/ports/snapshot-store.ts';
import { createLayerStore, type LayerStore } from './layer-store.ts';
import { createLayerSync } from './layer-sync.ts';

const LAYER = 'a'.repeat(64);

/** A snapshot store whose `has` fails with the given errors, in order, then finds every layer. */
function flakyRemote(failures: Error[]): SnapshotStore & { calls: number[] } {
  const calls: number[] = [];
  return {
    location: 'flaky://',
    calls,
    async has() {
      calls.push(Date.now());
      const failure = failures.shift();
      if (failure) throw failure;
      return true;
    },
    put: async () => {},
    get: async () => null,
    close: async () => {},
  };
}

describe('layer sync retries', () => {
  let home: string;
  let local: LayerStore;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'drydock-layer-sync-'));
    local = await createLayerStore(home);
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('retries a transient failure twice, 0.5 s then 1 s apart', async () => {
    const remote = flakyRemote([
      new UnavailableError('store_unreachable', 'down'),
      new UnavailableError('store_unreachable', 'down'),
    ]);
    await expect(createLayerSync(local, remote).upload([LAYER])).resolves.toEqual({ uploaded: 0, bytes: 0 });
    expect(remote.calls).toHaveLength(3);
    const [first, second, third] = remote.calls as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(450);
    expect(third - second).toBeGreaterThanOrEqual(950);
  });

  it('gives up after the third transient failure with that failure', async () => {
    const last = new UnavailableError('store_unreachable', 'still down');
    const remote = flakyRemote([
      new UnavailableError('store_unreachable', 'down'),
      new UnavailableError('store_unreachable', 'down'),
      last,
    ]);
    await expect(createLayerSync(local, remote).upload([LAYER])).rejects.toBe(last);
    expect(remote.calls).toHaveLength(3);
  });

  it.each([
    ['a permanent drydock error', new BadInputError('bad_layer_id', 'no')],
    ['an error drydock does not know', new Error('a bug')],
  ])('does not retry %s', async (_, error) => {
    const remote = flakyRemote([error]);
    await expect(createLayerSync(local, remote).upload([LAYER])).rejects.toBe(error);
    expect(remote.calls).toHaveLength(1);
  });
});
