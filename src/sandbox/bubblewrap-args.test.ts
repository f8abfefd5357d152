import { describe, expect, it } from 'vitest';
import {
  buildBubblewrapArgs,
  buildConfinementArgs,
  CONFINED_GIT_CAPABILITIES,
  egressProxyEnv,
  imageBaseEnv,
  sandboxBaseEnv,
  sandboxGitEnv,
} from './bubblewrap-args.ts';
import type { HostLayout } from './host-layout.ts';
import type { ImageLayout } from './image-layout.ts';
import type { NodeRuntime } from './node-runtime.ts';
import { SUPERVISOR_SHELL_VARIABLE } from './supervisor.ts';

const mergedUsr: HostLayout = {
  systemLinks: [
    { path: '/bin', target: 'usr/bin' },
    { path: '/lib', target: 'usr/lib' },
  ],
  systemDirs: ['/usr', '/lib64'],
  maskedFiles: ['/etc/shadow', '/etc/ssh/ssh_host_ed25519_key'],
  maskedDirs: ['/etc/ssl/private'],
};

const args = buildBubblewrapArgs({
  layout: mergedUsr,
  workspacePath: '/var/lib/drydock/workspaces/s1',
  readOnlyPaths: ['.git'],
  nodeBinaryPath: '/work/app/node_modules/node/bin/node',
  supervisorPath: '/work/app/src/sandbox/supervisor.ts',
  tmpBytes: 1048576,
});
const line = args.join(' ');

/** The index of a sequence of arguments, or -1. */
function indexOf(...sequence: string[]): number {
  return args.findIndex((_, i) => sequence.every((value, j) => args[i + j] === value));
}

/** Every namespace but the network's, which the services compartment shares with the agent's. */
const EVERY_NAMESPACE = [
  '--unshare-user',
  '--unshare-ipc',
  '--unshare-pid',
  '--unshare-uts',
  '--unshare-cgroup-try',
];

describe('buildBubblewrapArgs', () => {
  it('unshares every namespace, drops capabilities and runs as a non-root user', () => {
    for (const flag of [
      ...EVERY_NAMESPACE,
      '--unshare-net',
      '--disable-userns',
      '--die-with-parent',
      '--new-session',
    ]) {
      expect(args).toContain(flag);
    }
    expect(indexOf('--cap-drop', 'ALL')).toBeGreaterThanOrEqual(0);
    expect(indexOf('--uid', '1000')).toBeGreaterThanOrEqual(0);
    expect(indexOf('--hostname', 'drydock')).toBeGreaterThanOrEqual(0);
    expect(args).not.toContain('--share-net');
  });

  it('starts from an empty environment without anything a spec could inject into the supervisor', () => {
    expect(args).toContain('--clearenv');
    const setenv = args.flatMap((arg, i) => (arg === '--setenv' ? [args[i + 1]] : []));
    expect(setenv.sort()).toEqual(['HOME', 'LANG', 'PATH']);
  });

  it('binds the system read-only, keeping merged-usr symlinks as symlinks', () => {
    expect(indexOf('--ro-bind', '/usr', '/usr')).toBeGreaterThanOrEqual(0);
    expect(indexOf('--ro-bind', '/lib64', '/lib64')).toBeGreaterThanOrEqual(0);
    expect(indexOf('--symlink', 'usr/bin', '/bin')).toBeGreaterThanOrEqual(0);
    expect(indexOf('--ro-bind', '/etc', '/etc')).toBeGreaterThanOrEqual(0);
    expect(args.slice(-4)).toEqual([
      '--',
      '/opt/drydock/node/bin/node',
      '/opt/drydock/supervisor.mjs',
      '/workspace',
    ]);
    expect(indexOf('--remount-ro', '/')).toBeGreaterThanOrEqual(0);
  });

  it('masks secrets after binding /etc', () => {
    const etc = indexOf('--ro-bind', '/etc', '/etc');
    expect(indexOf('--ro-bind', '/dev/null', '/etc/shadow')).toBeGreaterThan(etc);
    expect(indexOf('--ro-bind', '/dev/null', '/etc/ssh/ssh_host_ed25519_key')).toBeGreaterThan(etc);
    expect(indexOf('--tmpfs', '/etc/ssl/private', '--remount-ro', '/etc/ssl/private')).toBeGreaterThan(etc);
  });

  it('binds the workspace read-write and its read-only paths over it', () => {
    const workspace = indexOf('--bind', '/var/lib/drydock/workspaces/s1', '/workspace');
    expect(workspace).toBeGreaterThanOrEqual(0);
    expect(indexOf('--ro-bind', '/var/lib/drydock/workspaces/s1/.git', '/workspace/.git')).toBeGreaterThan(
      workspace,
    );
    expect(indexOf('--chdir', '/workspace')).toBeGreaterThanOrEqual(0);
  });

  it('binds only the node binary and the supervisor of the host, nothing else of it', () => {
    expect(
      indexOf('--ro-bind', '/work/app/node_modules/node/bin/node', '/opt/drydock/node/bin/node'),
    ).toBeGreaterThan(0);
    expect(
      indexOf('--ro-bind', '/work/app/src/sandbox/supervisor.ts', '/opt/drydock/supervisor.mjs'),
    ).toBeGreaterThan(0);
    for (const hidden of ['/root', '/home', '/work ', '/var ', '/srv', '/opt ', '/mnt']) {
      expect(line).not.toContain(` ${hidden}`);
    }
  });
});

describe('buildBubblewrapArgs with network egress', () => {
  const withEgress = buildBubblewrapArgs({
    layout: mergedUsr,
    workspacePath: '/w',
    readOnlyPaths: [],
    nodeBinaryPath: '/n/node',
    supervisorPath: '/s/supervisor.ts',
    tmpBytes: 1048576,
    egress: { socketPath: '/tmp/drydock-egress-x/egress.sock', forwarderPath: '/s/egress-forwarder.ts' },
  });
  const at = (...sequence: string[]): number =>
    withEgress.findIndex((_, i) => sequence.every((value, j) => withEgress[i + j] === value));

  it('binds the proxy socket and the forwarder read-only and tells the supervisor where they are', () => {
    expect(at('--ro-bind', '/tmp/drydock-egress-x/egress.sock', '/opt/drydock/egress.sock')).toBeGreaterThan(
      0,
    );
    expect(at('--ro-bind', '/s/egress-forwarder.ts', '/opt/drydock/egress-forwarder.mjs')).toBeGreaterThan(0);
    expect(withEgress.slice(-6)).toEqual([
      '--',
      '/opt/drydock/node/bin/node',
      '/opt/drydock/supervisor.mjs',
      '/workspace',
      '/opt/drydock/egress.sock',
      '3128',
    ]);
    // Still no network namespace of the host's.
    expect(withEgress).not.toContain('--share-net');
  });

  it('binds neither without egress', () => {
    expect(line).not.toContain('egress');
  });
});

describe('buildBubblewrapArgs /proc, /dev and /tmp', () => {
  it('makes the kernel settings under /proc read-only after mounting /proc', () => {
    const proc = indexOf('--proc', '/proc');
    expect(proc).toBeGreaterThan(0);
    for (const path of ['/proc/sys', '/proc/sysrq-trigger', '/proc/fs']) {
      expect(indexOf('--ro-bind-try', path, path), path).toBeGreaterThan(proc);
    }
  });

  it('makes /dev read-only but for a /dev/shm as small as /tmp', () => {
    const dev = indexOf('--dev', '/dev');
    const shm = indexOf('--size', '1048576', '--tmpfs', '/dev/shm');
    expect(shm).toBeGreaterThan(dev);
    expect(indexOf('--remount-ro', '/dev')).toBeGreaterThan(shm);
  });

  it('gives /tmp a tmpfs of the given size', () => {
    expect(indexOf('--size', '1048576', '--tmpfs', '/tmp')).toBeGreaterThan(0);
  });
});

describe('buildBubblewrapArgs for the services compartment', () => {
  const services = buildBubblewrapArgs({
    layout: mergedUsr,
    workspacePath: '/var/lib/drydock/workspaces/s1',
    readOnlyPaths: ['.git'],
    nodeBinaryPath: '/work/app/node_modules/node/bin/node',
    supervisorPath: '/work/app/src/sandbox/supervisor.ts',
    tmpBytes: 1048576,
    joinsNetwork: true,
  });

  it("keeps the network it was started in (the agent's) and unshares everything else", () => {
    for (const flag of [...EVERY_NAMESPACE, '--disable-userns', '--clearenv'])
      expect(services).toContain(flag);
    expect(services).not.toContain('--unshare-net');
    expect(services).not.toContain('--unshare-all');
    expect(services).not.toContain('--share-net');
  });
});

describe('buildConfinementArgs', () => {
  const confined = buildConfinementArgs(
    mergedUsr,
    {
      file: 'git',
      args: ['add', '--all'],
      cwd: '/data/ws',
      env: { PATH: '/usr/bin', GIT_DIR: '/data/ws/.git' },
    },
    { writable: ['/data/ws', '/tmp/drydock-index-1'], readable: ['/home/me/repo'] },
  );
  const at = (...sequence: string[]): number =>
    confined.findIndex((_, i) => sequence.every((value, j) => confined[i + j] === value));

  it("isolates like a session sandbox: every namespace, no capabilities, no environment but the command's", () => {
    for (const flag of [
      ...EVERY_NAMESPACE,
      '--unshare-net',
      '--disable-userns',
      '--clearenv',
      '--new-session',
    ]) {
      expect(confined).toContain(flag);
    }
    expect(at('--cap-drop', 'ALL')).toBeGreaterThanOrEqual(0);
    expect(confined).not.toContain('--share-net');
    const setenv = confined.flatMap((arg, i) =>
      arg === '--setenv' ? [`${confined[i + 1]}=${confined[i + 2]}`] : [],
    );
    expect(setenv.sort()).toEqual(['GIT_DIR=/data/ws/.git', 'PATH=/usr/bin']);
  });

  it('shows the read-only system with its secrets masked, and only the given paths of the host', () => {
    expect(at('--ro-bind', '/usr', '/usr')).toBeGreaterThanOrEqual(0);
    expect(at('--ro-bind', '/dev/null', '/etc/shadow')).toBeGreaterThanOrEqual(0);
    expect(at('--bind', '/data/ws', '/data/ws')).toBeGreaterThanOrEqual(0);
    expect(at('--bind', '/tmp/drydock-index-1', '/tmp/drydock-index-1')).toBeGreaterThan(
      at('--tmpfs', '/tmp'),
    );
    expect(at('--ro-bind', '/home/me/repo', '/home/me/repo')).toBeGreaterThanOrEqual(0);
    const bound = confined.flatMap((arg, i) => (arg === '--bind' ? [confined[i + 1]] : []));
    expect(bound).toEqual(['/data/ws', '/tmp/drydock-index-1']);
    expect(at('--remount-ro', '/')).toBeGreaterThan(at('--bind', '/data/ws', '/data/ws'));
  });

  it('runs the program in its working directory, with its arguments as they are', () => {
    expect(confined.slice(-6)).toEqual(['--chdir', '/data/ws', '--', 'git', 'add', '--all']);
  });

  it('joins a shared user namespace instead of making one, keeping only the capabilities it is given', () => {
    const shared = buildConfinementArgs(
      mergedUsr,
      { file: 'git', args: ['status'], cwd: '/data/ws', env: {} },
      { writable: ['/data/ws'] },
      9,
      { fd: 8, capabilities: CONFINED_GIT_CAPABILITIES },
    );
    const userns = shared.indexOf('--userns');
    expect(shared[userns + 1]).toBe('8');
    expect(shared).not.toContain('--unshare-user');
    for (const flag of [...EVERY_NAMESPACE.slice(1), '--unshare-net', '--clearenv'])
      expect(shared).toContain(flag);
    // Everything dropped, then the three added back: never more.
    const drop = shared.indexOf('--cap-drop');
    expect(shared[drop + 1]).toBe('ALL');
    const added = shared.flatMap((arg, i) => (arg === '--cap-add' ? [{ cap: shared[i + 1], at: i }] : []));
    expect(added.map(({ cap }) => cap)).toEqual(['CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER']);
    expect(added.every(({ at }) => at > drop)).toBe(true);
    expect(shared.slice(shared.indexOf('--seccomp'), shared.indexOf('--seccomp') + 2)).toEqual([
      '--seccomp',
      '9',
    ]);
  });
});

describe('sandboxGitEnv', () => {
  it('tells git in the sandbox that the workspace is safe, by the environment alone', () => {
    expect(sandboxGitEnv()).toEqual({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'safe.directory',
      GIT_CONFIG_VALUE_0: '/workspace',
    });
  });
});

describe('egressProxyEnv', () => {
  it("points both cases of the proxy variables, and yarn's own, at the supervisor, loopback excepted", () => {
    expect(egressProxyEnv()).toEqual({
      HTTP_PROXY: 'http://127.0.0.1:3128',
      HTTPS_PROXY: 'http://127.0.0.1:3128',
      http_proxy: 'http://127.0.0.1:3128',
      https_proxy: 'http://127.0.0.1:3128',
      YARN_HTTP_PROXY: 'http://127.0.0.1:3128',
      YARN_HTTPS_PROXY: 'http://127.0.0.1:3128',
      NO_PROXY: 'localhost,127.0.0.1',
      no_proxy: 'localhost,127.0.0.1',
    });
  });
});

describe('sandboxBaseEnv', () => {
  it('is the fixed environment plus the spec, the node binary last on PATH', () => {
    expect(sandboxBaseEnv({ CI: '1' })).toEqual({
      PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin:/opt/drydock/node/bin',
      HOME: '/tmp',
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      CI: '1',
    });
  });
});

describe('buildBubblewrapArgs on an image root', () => {
  const image: ImageLayout = {
    path: '/var/lib/drydock/images/abc/rootfs',
    label: 'example.org/app@sha256:abc',
    binds: ['etc', 'home', 'root', 'usr', 'var'],
    links: [{ path: '/bin', target: 'usr/bin' }],
    opt: ['toolchain'],
    shell: '/bin/sh',
    hasGit: true,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', JAVA_HOME: '/usr/lib/jvm' },
  };
  const runtime: NodeRuntime = {
    interpreter: { source: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', name: 'ld-linux-x86-64.so.2' },
    libraries: [{ source: '/usr/lib/x86_64-linux-gnu/libc.so.6', name: 'libc.so.6' }],
  };
  const onImage = buildBubblewrapArgs({
    layout: mergedUsr,
    workspacePath: '/var/lib/drydock/workspaces/s1',
    readOnlyPaths: ['.git'],
    nodeBinaryPath: '/work/app/node_modules/node/bin/node',
    supervisorPath: '/work/app/src/sandbox/supervisor.ts',
    tmpBytes: 1048576,
    image: { layout: image, runtime },
  });
  const pairs = (flag: string): string[][] =>
    onImage.flatMap((arg, i) => (arg === flag ? [[onImage[i + 1] ?? '', onImage[i + 2] ?? '']] : []));

  it("binds the image's top level, /etc included, and nothing of the host's system", () => {
    expect(pairs('--ro-bind')).toEqual(
      expect.arrayContaining([
        [`${image.path}/etc`, '/etc'],
        [`${image.path}/usr`, '/usr'],
        [`${image.path}/root`, '/root'],
        [`${image.path}/opt/toolchain`, '/opt/toolchain'],
      ]),
    );
    const sources = pairs('--ro-bind').map(([source]) => source);
    for (const host of ['/usr', '/etc', '/lib64', '/dev/null']) expect(sources).not.toContain(host);
    expect(pairs('--symlink')).toEqual([['usr/bin', '/bin']]);
    // The host layout's masks belong to the host's /etc, which is not there.
    expect(onImage).not.toContain('/etc/shadow');
  });

  it('keeps the sandbox its own /proc, /dev, /tmp, workspace and read-only root', () => {
    for (const sequence of [
      ['--proc', '/proc'],
      ['--dev', '/dev'],
      ['--tmpfs', '/tmp'],
      ['--remount-ro', '/'],
    ]) {
      expect(onImage.join('\0')).toContain(sequence.join('\0'));
    }
    expect(pairs('--bind')).toEqual([['/var/lib/drydock/workspaces/s1', '/workspace']]);
    expect(pairs('--ro-bind')).toContainEqual(['/var/lib/drydock/workspaces/s1/.git', '/workspace/.git']);
  });

  it("starts the supervisor on drydock's Node through its own loader and libraries", () => {
    expect(pairs('--ro-bind')).toEqual(
      expect.arrayContaining([
        [runtime.interpreter.source, '/opt/drydock/lib/ld-linux-x86-64.so.2'],
        ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/opt/drydock/lib/libc.so.6'],
        ['/work/app/node_modules/node/bin/node', '/opt/drydock/node/bin/node'],
      ]),
    );
    expect(onImage.slice(onImage.lastIndexOf('--') + 1)).toEqual([
      '/opt/drydock/lib/ld-linux-x86-64.so.2',
      '--library-path',
      '/opt/drydock/lib',
      '/opt/drydock/node/bin/node',
      '/opt/drydock/supervisor.mjs',
      '/workspace',
    ]);
  });

  it("gives the supervisor the image's PATH and shell", () => {
    const env = pairs('--setenv');
    expect(env).toContainEqual(['PATH', '/usr/local/bin:/usr/bin:/bin']);
    expect(env).toContainEqual([SUPERVISOR_SHELL_VARIABLE, '/bin/sh']);
    expect(args).not.toContain(SUPERVISOR_SHELL_VARIABLE);
  });
});

describe('imageBaseEnv', () => {
  it("puts the image's ENV under drydock's base variables and those under the spec's, without drydock's Node", () => {
    const env = imageBaseEnv(
      { PATH: '/image/bin', JAVA_HOME: '/jvm', HOME: '/root', LANG: 'en_US' },
      { CI: '1' },
    );
    expect(env).toEqual({
      PATH: '/image/bin',
      JAVA_HOME: '/jvm',
      HOME: '/tmp',
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      CI: '1',
    });
    expect(imageBaseEnv({ PATH: '/image/bin' }, { PATH: '/spec/bin' }).PATH).toBe('/spec/bin');
  });
});
