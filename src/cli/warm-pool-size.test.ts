import { describe, expect, it } from 'vitest';
import { warmPoolSize } from './warm-pool-size.ts';

describe('warmPoolSize', () => {
  it('falls back to the command default when unset or empty', () => {
    expect(warmPoolSize({}, 1)).toBe(1);
    expect(warmPoolSize({ DRYDOCK_WARM_POOL: ' ' }, 0)).toBe(0);
  });

  it.each([
    ['0', 0],
    ['2', 2],
    [' 32 ', 32],
  ])('reads %j', (value, size) => {
    expect(warmPoolSize({ DRYDOCK_WARM_POOL: value }, 1)).toBe(size);
  });

  it.each(['-1', 'two', '1.5', '33', '1e3'])('refuses %j naming the variable', (value) => {
    expect(() => warmPoolSize({ DRYDOCK_WARM_POOL: value }, 1)).toThrow(/DRYDOCK_WARM_POOL="/);
  });
});
