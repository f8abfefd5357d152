import { describe, expect, it } from 'vitest';
import { decorate } from './decorate.ts';

class Counter {
  #count = 0;
  label = 'counter';
  get count(): number {
    return this.#count;
  }
  add(n: number): number {
    this.#count += n;
    return this.#count;
  }
  twice(n: number): number {
    this.add(n);
    return this.add(n);
  }
}

describe('decorate', () => {
  it('replaces what it overrides and forwards every other member, private state included', () => {
    const inner = new Counter();
    const decorated = decorate(inner, { twice: (n: number) => -n });
    expect(decorated.twice(2)).toBe(-2);
    expect(decorated.add(3)).toBe(3);
    // Getters and fields are read from the target when used, not copied once.
    expect(decorated.count).toBe(3);
    inner.label = 'renamed';
    expect(decorated.label).toBe('renamed');
    expect('add' in decorated && 'twice' in decorated).toBe(true);
  });

  it('forwards members the declared type does not name (a subtype, or a port that grew)', () => {
    const inner = Object.assign(new Counter(), { extra: () => 'extra' });
    const decorated = decorate<Counter>(inner, {}) as Counter & { extra(): string };
    expect(decorated.extra()).toBe('extra');
  });
});
