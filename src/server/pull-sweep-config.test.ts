import { describe, expect, it } from 'vitest';
import { pullSweepMinutes } from './pull-sweep-config.ts';

describe('pullSweepMinutes', () => {
  it('defaults when unset, turns off at 0, and refuses what is not a number of minutes', () => {
    expect(pullSweepMinutes(undefined)).toBe(30);
    expect(pullSweepMinutes(' ')).toBe(30);
    expect(pullSweepMinutes('5')).toBe(5);
    expect(pullSweepMinutes('0')).toBeNull();
    expect(() => pullSweepMinutes('-1')).toThrow(/DRYDOCK_PULL_SWEEP_MINUTES/);
    expect(() => pullSweepMinutes('soon')).toThrow(/0 turns the sweep off/);
  });
});
