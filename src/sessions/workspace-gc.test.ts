import { describe, expect, it } from 'vitest';
import { layersToPrune } from './workspace-gc.ts';

const HOUR = 60 * 60 * 1000;
const id = (c: string): string => c.repeat(64);

describe('layersToPrune', () => {
  const keep = {
    referenced: new Set([id('a')]),
    mounted: new Set([id('b')]),
    graceMs: HOUR,
  };
  it.each([
    ['referenced by a checkpoint or an image', id('a'), 2 * HOUR, false],
    ['used by a mounted overlay', id('b'), 2 * HOUR, false],
    ['younger than the grace period', id('c'), HOUR - 1, false],
    ['unreferenced, unmounted and old', id('d'), HOUR, true],
  ])('a layer %s: pruned %s', (_, layer, ageMs, pruned) => {
    expect(layersToPrune([{ id: layer, ageMs }], keep)).toEqual(pruned ? [layer] : []);
  });

  it('keeps the order of the store and prunes only what qualifies', () => {
    const stored = [id('d'), id('a'), id('e')].map((each) => ({ id: each, ageMs: 3 * HOUR }));
    expect(layersToPrune(stored, keep)).toEqual([id('d'), id('e')]);
  });
});
