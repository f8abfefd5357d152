import { describe, expect, it } from 'vitest';
import { cgroupName, layoutCgroups, parseOomKillCount } from './cgroup-layout.ts';
import { resolveSandboxLimits } from './resource-limits.ts';

const limits = resolveSandboxLimits({ memoryBytes: 64 * 1024 ** 2, pids: 64, cpus: 0.25 });

describe('layoutCgroups on cgroup v1', () => {
  const layout = layoutCgroups(
    {
      version: 1,
      dirs: {
        memory: '/sys/fs/cgroup/memory/job',
        pids: '/sys/fs/cgroup/pids',
        cpu: '/sys/fs/cgroup/cpu,cpuacct',
      },
    },
    's1-abc',
    limits,
  );

  it("nests the sandbox's cgroups under drydock's own, in every hierarchy", () => {
    expect(layout.create).toEqual([
      '/sys/fs/cgroup/memory/job/drydock',
      '/sys/fs/cgroup/memory/job/drydock/s1-abc',
      '/sys/fs/cgroup/pids/drydock',
      '/sys/fs/cgroup/pids/drydock/s1-abc',
      '/sys/fs/cgroup/cpu,cpuacct/drydock',
      '/sys/fs/cgroup/cpu,cpuacct/drydock/s1-abc',
    ]);
    expect(layout.procsFiles).toEqual([
      '/sys/fs/cgroup/memory/job/drydock/s1-abc/cgroup.procs',
      '/sys/fs/cgroup/pids/drydock/s1-abc/cgroup.procs',
      '/sys/fs/cgroup/cpu,cpuacct/drydock/s1-abc/cgroup.procs',
    ]);
    expect(layout.remove).toEqual([
      '/sys/fs/cgroup/memory/job/drydock/s1-abc',
      '/sys/fs/cgroup/pids/drydock/s1-abc',
      '/sys/fs/cgroup/cpu,cpuacct/drydock/s1-abc',
    ]);
  });

  it('sets memory (then memory+swap, where the kernel has it), pids and the CFS quota', () => {
    expect(layout.writes).toEqual([
      { path: '/sys/fs/cgroup/memory/job/drydock/s1-abc/memory.limit_in_bytes', value: '67108864' },
      {
        path: '/sys/fs/cgroup/memory/job/drydock/s1-abc/memory.memsw.limit_in_bytes',
        value: '67108864',
        optional: true,
      },
      { path: '/sys/fs/cgroup/pids/drydock/s1-abc/pids.max', value: '64' },
      { path: '/sys/fs/cgroup/cpu,cpuacct/drydock/s1-abc/cpu.cfs_period_us', value: '100000' },
      { path: '/sys/fs/cgroup/cpu,cpuacct/drydock/s1-abc/cpu.cfs_quota_us', value: '25000' },
    ]);
    expect(layout.oomEventsFile).toBe('/sys/fs/cgroup/memory/job/drydock/s1-abc/memory.oom_control');
    expect(layout.killFile).toBeNull();
  });

  it('leaves out the hierarchies it does not use', () => {
    const pidsOnly = layoutCgroups({ version: 1, dirs: { pids: '/cg/pids' } }, 'x', limits);
    expect(pidsOnly.create).toEqual(['/cg/pids/drydock', '/cg/pids/drydock/x']);
    expect(pidsOnly.writes).toEqual([{ path: '/cg/pids/drydock/x/pids.max', value: '64' }]);
    expect(pidsOnly.oomEventsFile).toBeNull();
  });
});

describe('layoutCgroups on cgroup v2', () => {
  it('enables the controllers for its own subtree and sets the limits in one cgroup', () => {
    const layout = layoutCgroups(
      { version: 2, dir: '/sys/fs/cgroup/app', controllers: ['memory', 'pids', 'cpu'], enableInParent: [] },
      's2',
      limits,
    );
    expect(layout.create).toEqual(['/sys/fs/cgroup/app/drydock', '/sys/fs/cgroup/app/drydock/s2']);
    expect(layout.writes).toEqual([
      { path: '/sys/fs/cgroup/app/drydock/cgroup.subtree_control', value: '+memory +pids +cpu' },
      { path: '/sys/fs/cgroup/app/drydock/s2/memory.max', value: '67108864' },
      { path: '/sys/fs/cgroup/app/drydock/s2/memory.swap.max', value: '0', optional: true },
      { path: '/sys/fs/cgroup/app/drydock/s2/pids.max', value: '64' },
      { path: '/sys/fs/cgroup/app/drydock/s2/cpu.max', value: '25000 100000' },
    ]);
    expect(layout.procsFiles).toEqual(['/sys/fs/cgroup/app/drydock/s2/cgroup.procs']);
    expect(layout.remove).toEqual(['/sys/fs/cgroup/app/drydock/s2']);
    expect(layout.oomEventsFile).toBe('/sys/fs/cgroup/app/drydock/s2/memory.events');
    expect(layout.killFile).toBe('/sys/fs/cgroup/app/drydock/s2/cgroup.kill');
  });

  it('first enables at the root what is not enabled there yet', () => {
    const layout = layoutCgroups(
      { version: 2, dir: '/sys/fs/cgroup', controllers: ['pids', 'cpu'], enableInParent: ['cpu'] },
      's3',
      resolveSandboxLimits({ cpus: 0.001 * 10 }),
    );
    expect(layout.writes.slice(0, 2)).toEqual([
      { path: '/sys/fs/cgroup/cgroup.subtree_control', value: '+cpu' },
      { path: '/sys/fs/cgroup/drydock/cgroup.subtree_control', value: '+pids +cpu' },
    ]);
    // The kernel's minimum quota is 1 ms per period.
    expect(layout.writes.at(-1)).toEqual({ path: '/sys/fs/cgroup/drydock/s3/cpu.max', value: '1000 100000' });
    expect(layout.oomEventsFile).toBeNull();
  });
});

describe('cgroupName', () => {
  it.each([
    ['session-1-abc', 'session-1-abc'],
    ['../../etc', 's.._.._etc'],
    ['a/b c', 'a_b_c'],
    ['.hidden', 's.hidden'],
    ['', 's'],
  ])('%j → %j', (id, name) => {
    expect(cgroupName(id)).toBe(name);
  });
});

describe('parseOomKillCount', () => {
  it('reads the counter of v1 memory.oom_control and v2 memory.events', () => {
    expect(parseOomKillCount('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n')).toBe(3);
    expect(parseOomKillCount('low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\noom_group_kill 0\n')).toBe(2);
    expect(parseOomKillCount('oom_kill_disable 0\nunder_oom 0\n')).toBeNull();
  });
});
