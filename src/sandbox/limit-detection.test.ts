import { describe, expect, it } from 'vitest';
import { cgroupDir, parseCgroupMounts, parseProcessCgroups } from './limit-detection.ts';

const hybrid = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;

const unified = `24 18 0:21 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

const container = `610 600 0:30 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct
611 600 0:31 /docker/abc /sys/fs/cgroup/memory\\040dir ro,nosuid - cgroup cgroup rw,memory`;

describe('parseCgroupMounts', () => {
  it('finds the v1 hierarchy of each controller and the v2 mount of a hybrid system', () => {
    expect(parseCgroupMounts(hybrid)).toEqual({
      v2: { root: '/', mountPoint: '/sys/fs/cgroup/unified' },
      v1: {
        cpu: { root: '/', mountPoint: '/sys/fs/cgroup/cpu' },
        memory: { root: '/', mountPoint: '/sys/fs/cgroup/memory' },
        pids: { root: '/', mountPoint: '/sys/fs/cgroup/pids' },
      },
    });
  });

  it('reads a unified system, optional fields included', () => {
    expect(parseCgroupMounts(unified)).toEqual({ v2: { root: '/', mountPoint: '/sys/fs/cgroup' }, v1: {} });
  });

  it('handles co-mounted controllers, mounted subtrees and escaped paths', () => {
    expect(parseCgroupMounts(container).v1).toEqual({
      cpu: { root: '/docker/abc', mountPoint: '/sys/fs/cgroup/cpu,cpuacct' },
      memory: { root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory dir' },
    });
  });
});

describe('parseProcessCgroups', () => {
  it('reads the v2 path and the path of each v1 controller', () => {
    const text =
      '9:name=systemd:/\n8:pids:/\n4:memory:/process_api/32cb\n2:cpu,cpuacct:/job\n0::/user.slice\n';
    expect(parseProcessCgroups(text)).toEqual({
      v2: '/user.slice',
      v1: { pids: '/', memory: '/process_api/32cb', cpu: '/job' },
    });
  });
});

describe('cgroupDir', () => {
  it.each([
    [
      { root: '/', mountPoint: '/sys/fs/cgroup/memory' },
      '/process_api/32cb',
      '/sys/fs/cgroup/memory/process_api/32cb',
    ],
    [{ root: '/', mountPoint: '/sys/fs/cgroup/pids' }, '/', '/sys/fs/cgroup/pids'],
    [{ root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory' }, '/docker/abc', '/sys/fs/cgroup/memory'],
    [
      { root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory' },
      '/docker/abc/x',
      '/sys/fs/cgroup/memory/x',
    ],
    [{ root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory' }, '/docker/abcdef', null],
    [{ root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory' }, '/', null],
  ])('%j + %s → %s', (mount, path, dir) => {
    expect(cgroupDir(mount, path)).toBe(dir);
  });
});
