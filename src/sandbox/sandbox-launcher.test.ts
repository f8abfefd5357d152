import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMounts } from './mount-table.ts';
import {
  buildLauncher,
  LAUNCHER_BIND_ERROR,
  LAUNCHER_BIND_EXIT_CODE,
  LAUNCHER_CGROUP_ERROR,
  LAUNCHER_CGROUP_EXIT_CODE,
  mountsKept,
  mountsToDetach,
  runAs,
  SECCOMP_FD,
} from './sandbox-launcher.ts';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

describe('mountsToDetach', () => {
  const keep = ['/usr', '/etc', '/proc', '/dev', '/tmp/drydock-scripts-0', '/usr/bin/bwrap'];
  it.each([
    [
      'the root, what a kept path is in, and what is inside a kept path stay',
      ['/', '/tmp', '/proc', '/proc/sys/fs/binfmt_misc', '/dev/shm', '/usr'],
      [],
    ],
    [
      "drydock's mounts elsewhere go, the top-most of each subtree only",
      [
        '/',
        '/tmp',
        '/tmp/h/overlays/s-1/merged',
        '/tmp/h/sessions/s-2/workspace',
        '/root/.drydock/overlays/x/rw',
        '/root/.drydock/overlays/x/merged',
      ],
      [
        '/root/.drydock/overlays/x/merged',
        '/root/.drydock/overlays/x/rw',
        '/tmp/h/overlays/s-1/merged',
        '/tmp/h/sessions/s-2/workspace',
      ],
    ],
    [
      'a mount over a whole data directory goes with what is under it',
      ['/srv/drydock', '/srv/drydock/overlays/a/merged'],
      ['/srv/drydock'],
    ],
    [
      '/sys and the cgroups go: the launcher has joined its cgroups already',
      ['/sys', '/sys/fs/cgroup', '/sys/fs/cgroup/pids'],
      ['/sys'],
    ],
    ['a name that only starts like a kept one goes', ['/usr2', '/proc-like'], ['/proc-like', '/usr2']],
    ['a path the launcher cannot pass stays', ['/mnt/a\nb'], []],
    ['each once', ['/mnt/x', '/mnt/x'], ['/mnt/x']],
  ] as const)('%s', (_, mounts, detached) => {
    expect(mountsToDetach(mounts, keep)).toEqual(detached);
  });
});

describe('mountsKept', () => {
  it('is every host mount but those detached and those under them, once each, sorted', () => {
    expect(
      mountsKept(['/usr', '/', '/proc', '/srv/a', '/srv/a/b', '/srv/ab', '/proc', '/mnt/a\nb'], ['/srv/a']),
    ).toEqual(['/', '/proc', '/srv/ab', '/usr']);
  });
});

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
      '',
      '--',
      '',
      '',
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

  it("takes the host's mounts as a slave when asked (a spare sandbox), else privately", () => {
    const binds = {
      unsharePath: '/usr/bin/unshare',
      mountPath: '/usr/bin/mount',
      binds: [],
      umountPath: '/usr/bin/umount',
      detach: [],
    };
    const propagation = (extra: { propagation?: 'private' | 'slave' }) =>
      buildLauncher({
        procsFiles: [],
        rlimit: null,
        binds: { ...binds, ...extra },
        command: ['bwrap'],
      }).args.slice(0, 3);
    expect(propagation({})).toEqual(['--mount', '--propagation', 'private']);
    expect(propagation({ propagation: 'slave' })).toEqual(['--mount', '--propagation', 'slave']);
  });

  it('makes the kept host mounts private only in a slave namespace (private ones receive nothing anyway)', () => {
    const keptArgument = (propagation: 'private' | 'slave') => {
      const { args } = buildLauncher({
        procsFiles: [],
        rlimit: null,
        binds: {
          unsharePath: '/usr/bin/unshare',
          mountPath: '/usr/bin/mount',
          binds: [],
          umountPath: '/usr/bin/umount',
          detach: ['/data'],
          kept: ['/', '/proc'],
          propagation,
        },
        command: ['bwrap'],
      });
      return args[args.indexOf('/data') + 1];
    };
    expect(keptArgument('slave')).toBe('/\n/proc');
    expect(keptArgument('private')).toBe('');
  });

  it('starts in a mount namespace of its own, binding each pair, when there are binds', () => {
    const { file, args } = buildLauncher({
      procsFiles: [],
      rlimit: null,
      binds: {
        unsharePath: '/usr/bin/unshare',
        mountPath: '/usr/bin/mount',
        binds: [{ source: '/data/ws', target: '/stage/ws' }],
        umountPath: '/usr/bin/umount',
        detach: ['/data', '/srv/other session'],
      },
      command: runAs('/usr/bin/setpriv', { uid: 7, gid: 8 }, ['/usr/bin/bwrap', '--']),
    });
    expect(file).toBe('/usr/bin/unshare');
    expect(args.slice(0, 6)).toEqual(['--mount', '--propagation', 'private', '--', '/bin/sh', '-c']);
    expect(args.slice(7)).toEqual([
      'drydock-launcher',
      '--',
      '',
      '/usr/bin/mount',
      '/data/ws',
      '/stage/ws',
      '--',
      '/usr/bin/umount',
      '/data\n/srv/other session',
      '',
      '/usr/bin/setpriv',
      '--reuid=7',
      '--regid=8',
      '--clear-groups',
      '--',
      '/usr/bin/bwrap',
      '--',
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

    it.skipIf(!isRoot)(
      'binds in its own mount namespace only, then runs the command as the user, as the same process (root only)',
      async () => {
        const source = join(dir, 'private', 'source');
        const target = join(dir, 'target');
        // The user could not reach the source itself: its parent is root's alone.
        await mkdir(source, { recursive: true });
        await chmod(join(dir, 'private'), 0o700);
        await writeFile(join(source, 'f'), 'through the bind');
        await mkdir(target);
        await chmod(dir, 0o755);
        const procs = join(dir, 'procs');
        const { file, args } = buildLauncher({
          procsFiles: [procs],
          rlimit: null,
          binds: {
            unsharePath: (await run('sh', ['-c', 'command -v unshare'])).stdout.trim(),
            mountPath: (await run('sh', ['-c', 'command -v mount'])).stdout.trim(),
            binds: [{ source, target }],
            umountPath: (await run('sh', ['-c', 'command -v umount'])).stdout.trim(),
            detach: [],
          },
          command: runAs(
            (await run('sh', ['-c', 'command -v setpriv'])).stdout.trim(),
            { uid: 4321, gid: 4322 },
            ['sh', '-c', 'echo $$; id -u; id -g; id -G; cat "$0/f"', target],
          ),
        });
        const { stdout } = await run(file, args);
        const [pid, uid, gid, groups, content] = stdout.trim().split('\n');
        expect({ uid, gid, groups, content }).toEqual({
          uid: '4321',
          gid: '4322',
          groups: '4322',
          content: 'through the bind',
        });
        expect((await readFile(procs, 'utf8')).trim()).toBe(pid);
        // Nothing of it on the host.
        expect((await readMounts()).some((entry) => entry.mountPoint === target)).toBe(false);
        await expect(readFile(join(target, 'f'))).rejects.toMatchObject({ code: 'ENOENT' });
      },
    );

    it.skipIf(!isRoot)(
      "lets go of the host's mounts it does not need, so it pins none (another session's disk image, say) (root only)",
      async () => {
        const other = join(dir, 'other session');
        const kept = join(dir, 'kept');
        const target = join(dir, 'pin-target');
        for (const path of [other, kept, target]) await mkdir(path);
        await run('mount', ['-t', 'tmpfs', 'drydock-test', other]);
        await run('mount', ['-t', 'tmpfs', 'drydock-test', kept]);
        await writeFile(join(other, 'f'), 'bound before it goes');
        const tool = async (name: string) => (await run('sh', ['-c', `command -v ${name}`])).stdout.trim();
        const { file, args } = buildLauncher({
          procsFiles: [],
          rlimit: null,
          binds: {
            unsharePath: await tool('unshare'),
            mountPath: await tool('mount'),
            // Its own workspace may live on a mount it lets go of: bound first, it stays.
            binds: [{ source: other, target }],
            umountPath: await tool('umount'),
            detach: [other, join(dir, 'not mounted any more')],
          },
          command: ['sh', '-c', 'cat "$0"/f; read _', target],
        });
        const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'inherit'] });
        try {
          const said = await new Promise<string>((resolve) =>
            child.stdout.once('data', (data) => resolve(String(data))),
          );
          expect(said).toBe('bound before it goes');
          const mounts = await readFile(`/proc/${child.pid}/mountinfo`, 'utf8');
          expect(mounts).not.toContain(` ${other.replace(/ /g, '\\040')} `);
          expect(mounts).toContain(` ${kept} `);
          expect(mounts).toContain(` ${target} `);
        } finally {
          child.stdin.end();
          await new Promise((resolve) => child.once('exit', resolve));
          for (const path of [other, kept]) await run('umount', [path]).catch(() => {});
        }
      },
    );

    it.skipIf(!isRoot)('stops before the command when it cannot bind, saying so (root only)', async () => {
      const marker = join(dir, 'bound-ran');
      const { file, args } = buildLauncher({
        procsFiles: [],
        rlimit: null,
        binds: {
          unsharePath: (await run('sh', ['-c', 'command -v unshare'])).stdout.trim(),
          mountPath: (await run('sh', ['-c', 'command -v mount'])).stdout.trim(),
          binds: [{ source: join(dir, 'missing'), target: join(dir, 'nowhere') }],
          umountPath: (await run('sh', ['-c', 'command -v umount'])).stdout.trim(),
          detach: [],
        },
        command: ['touch', marker],
      });
      const failure = await run(file, args).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(LAUNCHER_BIND_EXIT_CODE);
      expect(failure?.stderr).toContain(LAUNCHER_BIND_ERROR);
      await expect(readFile(marker)).rejects.toMatchObject({ code: 'ENOENT' });
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
