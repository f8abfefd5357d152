import { describe, expect, it } from 'vitest';
import { decorate, decorateCurrent } from './decorate.ts';

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

  it('runs every forwarded call through `around`, and leaves the overrides alone', () => {
    const inner = new Counter();
    const seen: PropertyKey[] = [];
    const decorated = decorate(
      inner,
      { twice: (n: number) => -n },
      {
        around: (call, key) => {
          seen.push(key);
          return (call(inner) as number) * 10;
        },
      },
    );
    expect(decorated.add(2)).toBe(20);
    expect(decorated.twice(1)).toBe(-1);
    expect(decorated.count).toBe(2);
    expect(seen).toEqual(['add']);
  });
});

describe('decorateCurrent', () => {
  it('forwards to whichever target is current when a member is used, and adds the extras', () => {
    let current = new Counter();
    const first = current;
    const decorated = decorateCurrent(() => current, {
      label: 'fixed',
      get replaced() {
        return current !== first;
      },
    });
    decorated.add(5);
    expect(decorated.count).toBe(5);
    current = new Counter();
    expect(decorated.count).toBe(0);
    expect(decorated.add(1)).toBe(1);
    expect(first.count).toBe(5);
    expect(decorated.label).toBe('fixed');
    expect(decorated.replaced).toBe(true);
    expect('twice' in decorated && 'replaced' in decorated && !('missing' in decorated)).toBe(true);
  });

  it('hands `around` a call it can run on another target: the one current after a replacement', () => {
    let current = new Counter();
    const decorated = decorateCurrent(
      () => current,
      {},
      {
        around: (call) => {
          const used = current;
          current = new Counter();
          call(used);
          return call(current);
        },
      },
    );
    expect(decorated.add(3)).toBe(3);
    expect(current.count).toBe(3);
  });
});
