import { describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_LIMITS, resolveSandboxLimits } from './resource-limits.ts';

describe('resolveSandboxLimits', () => {
  it('defaults to 4 GiB, 1024 pids, 2 cpus, 2 h, a 1 GiB /tmp and a 10 GiB disk', () => {
    expect(resolveSandboxLimits()).toEqual({
      memoryBytes: 4 * 1024 ** 3,
      pids: 1024,
      cpus: 2,
      wallTimeMs: 7_200_000,
      tmpBytes: 1024 ** 3,
      diskBytes: 10 * 1024 ** 3,
    });
    expect(resolveSandboxLimits({})).toEqual(DEFAULT_SANDBOX_LIMITS);
  });

  it('takes what the spec sets, fractional cpus included', () => {
    expect(
      resolveSandboxLimits({ memoryBytes: 64 * 1024 ** 2, pids: 64, cpus: 0.2, wallTimeMs: 1500 }),
    ).toEqual({
      ...DEFAULT_SANDBOX_LIMITS,
      memoryBytes: 64 * 1024 ** 2,
      pids: 64,
      cpus: 0.2,
      wallTimeMs: 1500,
    });
  });

  it.each([
    [{ memoryBytes: 1024 }, 'memoryBytes'],
    [{ memoryBytes: 1.5e9 + 0.5 }, 'memoryBytes'],
    [{ pids: 0 }, 'pids'],
    [{ pids: 8 }, 'pids'],
    [{ cpus: 0 }, 'cpus'],
    [{ cpus: Number.POSITIVE_INFINITY }, 'cpus'],
    [{ wallTimeMs: -5 }, 'wallTimeMs'],
    [{ wallTimeMs: 2 ** 31 }, 'wallTimeMs'],
    [{ tmpBytes: Number.NaN }, 'tmpBytes'],
    [{ diskBytes: 1024 * 1024 }, 'diskBytes'],
    [{ diskBytes: 1.5 }, 'diskBytes'],
  ])('rejects %j naming the limit', (limits, name) => {
    expect(() => resolveSandboxLimits(limits)).toThrow(
      expect.objectContaining({
        code: 'invalid_sandbox_limit',
        kind: 'bad_input',
        message: expect.stringContaining(`limits.${name}`),
      }),
    );
  });
});
