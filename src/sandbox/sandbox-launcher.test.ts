import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildLauncher,
  LAUNCHER_CGROUP_ERROR,
  LAUNCHER_CGROUP_EXIT_CODE,
  SECCOMP_FD,
} from './sandbox-launcher.ts';

const run = promisify(execFile);

describe('buildLauncher', () => {
  it('is sh with the cgroup files, then prlimit, then the command', () => {
    const { file, args } = buildLauncher({
      procsFiles: ['/cg/memory/procs', '/cg/pids/procs'],
      rlimit: { prlimitPath: '/usr/bin/prlimit', addressSpaceBytes: 1024 },
      command: ['/usr/bin/bwrap', '--unshare-all', '--', 'node'],
    });
    expect(file).toBe('/bin/sh');
    expect(args.slice(2)).toEqual([
      'drydock-launcher',
      '/cg/memory/procs',
      '/cg/pids/procs',
      '--',
      '',
      '/usr/bin/prlimit',
      '--as=1024',
      '--',
      '/usr/bin/bwrap',
      '--unshare-all',
      '--',
      'node',
    ]);
  });

  describe('run for real', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'drydock-launcher-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('writes its own pid into every file, then execs the command as that same process', async () => {
      const files = [join(dir, 'a'), join(dir, 'b')];
      const { file, args } = buildLauncher({
        procsFiles: files,
        rlimit: null,
        command: ['sh', '-c', 'echo $$; echo "$0|$1"', 'x y', '$HOME'],
      });
      const { stdout } = await run(file, args);
      const [pid, argv] = stdout.trim().split('\n');
      expect(argv).toBe('x y|$HOME');
      for (const procs of files) expect((await readFile(procs, 'utf8')).trim()).toBe(pid);
    });

    it('opens the seccomp filter as fd 9 for the command', async () => {
      const filter = join(dir, 'filter.bpf');
      await writeFile(filter, 'bpf-bytes');
      const { file, args } = buildLauncher({
        procsFiles: [],
        rlimit: null,
        seccompFile: filter,
        command: ['sh', '-c', `cat <&${SECCOMP_FD}`],
      });
      expect((await run(file, args)).stdout).toBe('bpf-bytes');
    });

    it('sets the address-space limit through prlimit', async () => {
      const prlimit = await run('sh', ['-c', 'command -v prlimit']).catch(() => null);
      if (prlimit === null) return;
      const { file, args } = buildLauncher({
        procsFiles: [],
        rlimit: { prlimitPath: prlimit.stdout.trim(), addressSpaceBytes: 2 * 1024 ** 3 },
        command: ['sh', '-c', 'ulimit -v'],
      });
      expect((await run(file, args)).stdout.trim()).toBe(String(2 * 1024 ** 2));
    });

    it('stops before the command when it cannot join a cgroup, saying so', async () => {
      const marker = join(dir, 'ran');
      await writeFile(join(dir, 'blocker'), '');
      const { file, args } = buildLauncher({
        procsFiles: [join(dir, 'blocker', 'procs')],
        rlimit: null,
        command: ['touch', marker],
      });
      const failure = await run(file, args).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(LAUNCHER_CGROUP_EXIT_CODE);
      expect(failure?.stderr).toContain(LAUNCHER_CGROUP_ERROR);
      await expect(readFile(marker)).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });
});
