import { describe, expect, it } from 'vitest';
import { chooseLimitPlan, type LimitEnvironment, MIN_ADDRESS_SPACE_BYTES } from './limit-plan.ts';
import { resolveSandboxLimits } from './resource-limits.ts';

const limits = resolveSandboxLimits({
  memoryBytes: 256 * 1024 ** 2,
  pids: 100,
  cpus: 0.5,
  wallTimeMs: 60_000,
});
const always = { wallTimeMs: 60_000, tmpBytes: limits.tmpBytes };
const nothing: LimitEnvironment = { cgroupV2: null, cgroupV1: {}, prlimitPath: null };
const v1All: LimitEnvironment['cgroupV1'] = {
  memory: { dir: '/sys/fs/cgroup/memory/user', writable: true },
  pids: { dir: '/sys/fs/cgroup/pids', writable: true },
  cpu: { dir: '/sys/fs/cgroup/cpu', writable: true },
};
const v2 = (facts: Partial<NonNullable<LimitEnvironment['cgroupV2']>>): LimitEnvironment['cgroupV2'] => ({
  dir: '/sys/fs/cgroup/drydock.service',
  isRoot: false,
  controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'],
  subtreeControl: [],
  writable: true,
  ...facts,
});

describe('chooseLimitPlan', () => {
  it.each<
    [
      string,
      LimitEnvironment,
      string,
      { memoryBytes: number | null; pids: number | null; cpus: number | null },
    ]
  >([
    [
      'v2 delegated with every controller enabled',
      { ...nothing, cgroupV2: v2({ subtreeControl: ['cpu', 'memory', 'pids'] }) },
      'cgroup-v2',
      { memoryBytes: limits.memoryBytes, pids: 100, cpus: 0.5 },
    ],
    [
      'v2 at the root, where drydock may enable the controllers itself',
      { ...nothing, cgroupV2: v2({ dir: '/sys/fs/cgroup', isRoot: true }) },
      'cgroup-v2',
      { memoryBytes: limits.memoryBytes, pids: 100, cpus: 0.5 },
    ],
    [
      'v2 delegated with memory and pids only: no cpu limit',
      { ...nothing, cgroupV2: v2({ subtreeControl: ['memory', 'pids'] }) },
      'cgroup-v2',
      { memoryBytes: limits.memoryBytes, pids: 100, cpus: null },
    ],
    [
      'hybrid: v2 mounted without controllers, v1 writable (this machine)',
      {
        ...nothing,
        cgroupV2: v2({ dir: '/sys/fs/cgroup/unified', isRoot: true, controllers: [] }),
        cgroupV1: v1All,
      },
      'cgroup-v1',
      { memoryBytes: limits.memoryBytes, pids: 100, cpus: 0.5 },
    ],
    [
      'v2 with controllers but not delegated (not the root, subtree_control empty) and no v1',
      { ...nothing, cgroupV2: v2({}), prlimitPath: '/usr/bin/prlimit' },
      'rlimit',
      { memoryBytes: MIN_ADDRESS_SPACE_BYTES, pids: null, cpus: null },
    ],
    [
      'v2 delegated but not writable (another user owns it)',
      { ...nothing, cgroupV2: v2({ subtreeControl: ['memory'], writable: false }) },
      'none',
      { memoryBytes: null, pids: null, cpus: null },
    ],
    [
      'v1 mounted but read-only (drydock is not root)',
      {
        ...nothing,
        cgroupV1: { memory: { dir: '/sys/fs/cgroup/memory', writable: false } },
        prlimitPath: '/usr/bin/prlimit',
      },
      'rlimit',
      { memoryBytes: MIN_ADDRESS_SPACE_BYTES, pids: null, cpus: null },
    ],
    [
      'v1 with pids only',
      { ...nothing, cgroupV1: { pids: { dir: '/sys/fs/cgroup/pids', writable: true } } },
      'cgroup-v1',
      { memoryBytes: null, pids: 100, cpus: null },
    ],
    [
      'v1 offering more controllers than v2',
      { ...nothing, cgroupV2: v2({ subtreeControl: ['pids'] }), cgroupV1: v1All },
      'cgroup-v1',
      { memoryBytes: limits.memoryBytes, pids: 100, cpus: 0.5 },
    ],
    ['nothing at all', nothing, 'none', { memoryBytes: null, pids: null, cpus: null }],
  ])('%s → %s', (_, environment, mechanism, enforced) => {
    const plan = chooseLimitPlan(environment, limits);
    expect(plan.inForce).toEqual({ mechanism, ...enforced, ...always });
    expect(plan.cgroup?.version ?? null).toBe(
      mechanism === 'cgroup-v2' ? 2 : mechanism === 'cgroup-v1' ? 1 : null,
    );
    expect(plan.rlimit !== null).toBe(mechanism === 'rlimit');
  });

  it('enables controllers at the v2 root only when they are not enabled already', () => {
    const plan = chooseLimitPlan(
      { ...nothing, cgroupV2: v2({ dir: '/sys/fs/cgroup', isRoot: true, subtreeControl: ['memory'] }) },
      limits,
    );
    expect(plan.cgroup).toEqual({
      version: 2,
      dir: '/sys/fs/cgroup',
      controllers: ['memory', 'pids', 'cpu'],
      enableInParent: ['pids', 'cpu'],
    });
  });

  it('uses the v1 directories of the controllers it enforces', () => {
    const plan = chooseLimitPlan({ ...nothing, cgroupV1: { ...v1All, cpu: undefined } }, limits);
    expect(plan.cgroup).toEqual({
      version: 1,
      dirs: { memory: '/sys/fs/cgroup/memory/user', pids: '/sys/fs/cgroup/pids' },
    });
  });

  it('caps the address space at the memory limit when that is above the floor Node needs', () => {
    const big = resolveSandboxLimits({ memoryBytes: 96 * 1024 ** 3 });
    const plan = chooseLimitPlan({ ...nothing, prlimitPath: '/usr/bin/prlimit' }, big);
    expect(plan.rlimit).toEqual({ prlimitPath: '/usr/bin/prlimit', addressSpaceBytes: 96 * 1024 ** 3 });
    expect(plan.inForce.memoryBytes).toBe(96 * 1024 ** 3);
  });
});
