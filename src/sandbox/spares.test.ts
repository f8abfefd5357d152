import { describe, expect, it } from 'vitest';
import { createSpares, type SpareItem } from './spares.ts';

interface Fake extends SpareItem {
  spec: string;
  n: number;
  dead: boolean;
  destroyed: boolean;
}

function fakes() {
  const made: Fake[] = [];
  const start = async (spec: string): Promise<Fake> => {
    // Starting takes a while, as a sandbox's does: a refill is never ready within the same take.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const item: Fake = {
      spec,
      n: made.length + 1,
      dead: false,
      destroyed: false,
      alive: () => !item.dead,
      async destroy() {
        item.destroyed = true;
      },
    };
    made.push(item);
    return item;
  };
  return { made, start };
}

describe('spares', () => {
  it('starts nothing for the caller on a miss, and fills the key from its spec for the next one', async () => {
    const { made, start } = fakes();
    const spares = createSpares(1, start);
    expect(spares.take('k', 'spec-a')).toBeUndefined();
    await spares.settled();
    expect(made.map((item) => item.spec)).toEqual(['spec-a']);
    const taken = spares.take('k', 'spec-b');
    expect(taken).toBe(made[0]);
    // Not refilled by the hand-off itself: by fill, from the spec the key was first asked with.
    await spares.settled();
    expect(made).toHaveLength(1);
    spares.fill('k');
    await spares.settled();
    expect(made.map((item) => item.spec)).toEqual(['spec-a', 'spec-a']);
    await spares.drain();
  });

  it('never hands over a spare that died while it waited, and destroys it', async () => {
    const { made, start } = fakes();
    const spares = createSpares(1, start);
    spares.take('k', 'spec');
    await spares.settled();
    made[0]!.dead = true;
    const taken = spares.take('k', 'spec');
    // The dead one went; its replacement was still starting, so this call gets none.
    expect(made[0]!.destroyed).toBe(true);
    expect(taken).toBeUndefined();
    await spares.settled();
    expect(spares.take('k', 'spec')).toBe(made[1]);
    await spares.drain();
  });

  it('keeps spares per key', async () => {
    const { made, start } = fakes();
    const spares = createSpares(1, start);
    spares.take('a', 'spec-a');
    await spares.settled();
    expect(spares.take('b', 'spec-b')).toBeUndefined();
    await spares.settled();
    expect(spares.take('b', 'spec-b')?.spec).toBe('spec-b');
    expect(spares.take('a', 'spec-a')?.spec).toBe('spec-a');
    await spares.drain();
    expect(made.filter((item) => !item.destroyed).map((item) => item.n)).toEqual([1, 2]);
  });

  it('destroys the waiting spares on drain and hands over none afterwards', async () => {
    const { made, start } = fakes();
    const spares = createSpares(2, start);
    spares.take('k', 'spec');
    await spares.settled();
    await spares.drain();
    expect(made.map((item) => item.destroyed)).toEqual([true, true]);
    expect(spares.take('k', 'spec')).toBeUndefined();
    await spares.settled();
    expect(made).toHaveLength(2);
  });

  it('keeps none with size 0', async () => {
    const { made, start } = fakes();
    const spares = createSpares(0, start);
    expect(spares.take('k', 'spec')).toBeUndefined();
    await spares.settled();
    expect(made).toHaveLength(0);
  });
});
