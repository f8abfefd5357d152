import { join } from 'node:path';
import type { ConfinedPaths, HostCommand } from '../core/ports/sandbox.ts';
import type { HostLayout } from './host-layout.ts';
import type { ImageLayout } from './image-layout.ts';
import type { NodeRuntime } from './node-runtime.ts';
import { SUPERVISOR_SHELL_VARIABLE } from './supervisor.ts';

export const SANDBOX_WORKDIR = '/workspace';
export const SANDBOX_NODE_BIN_DIR = '/opt/drydock/node/bin';
/** On an image root: drydock's Node's interpreter and libraries, which the image may lack. */
export const SANDBOX_NODE_LIB_DIR = '/opt/drydock/lib';
export const SANDBOX_SUPERVISOR_PATH = '/opt/drydock/supervisor.mjs';
/** Next to the supervisor, which imports it when the sandbox has network egress. */
export const SANDBOX_EGRESS_FORWARDER_PATH = '/opt/drydock/egress-forwarder.mjs';
export const SANDBOX_EGRESS_SOCKET = '/opt/drydock/egress.sock';
/** Where commands find the egress proxy: the supervisor listens here on the sandbox's own loopback. */
export const SANDBOX_EGRESS_PORT = 3128;
/** Not 0: inside the sandbox nothing runs as root, and bubblewrap drops every capability. */
export const SANDBOX_UID = 1000;
export const SANDBOX_HOSTNAME = 'drydock';

const SANDBOX_PATH = `/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin:${SANDBOX_NODE_BIN_DIR}`;

/**
 * Parts of /proc made read-only, as Docker does (bubblewrap covers /proc/irq and /proc/bus itself):
 * writable files in them change the host's kernel. Bound from drydock's own /proc, since bubblewrap
 * binds from outside; the sandbox then reads drydock's values, which are mostly global anyway.
 */
const PROC_READ_ONLY = ['/proc/sys', '/proc/sysrq-trigger', '/proc/fs'];

/** The environment every command in a bubblewrap sandbox starts from: nothing of the host's. */
export function sandboxBaseEnv(specEnv: Record<string, string> = {}): Record<string, string> {
  return { PATH: SANDBOX_PATH, HOME: '/tmp', LANG: 'C.UTF-8', TERM: 'dumb', ...specEnv };
}

/**
 * The environment every command on an image root starts from: the image's own (its ENV, with a PATH
 * of the image's and never drydock's Node: the image's toolchain is the toolchain), then drydock's
 * base variables, then the spec's.
 */
export function imageBaseEnv(
  imageEnv: Record<string, string>,
  specEnv: Record<string, string> = {},
): Record<string, string> {
  const { PATH: _, ...base } = sandboxBaseEnv();
  return { ...imageEnv, ...base, ...specEnv };
}

/**
 * What git in the sandbox needs when the workspace's `.git` is drydock's (root's) and the sandbox runs
 * as another user: git refuses a repository another user owns ("dubious ownership") unless told it is
 * safe, and only the command line or the environment can tell it that without a config file.
 */
export function sandboxGitEnv(): Record<string, string> {
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: SANDBOX_WORKDIR };
}

/**
 * The proxy variables of a sandbox with network egress; loopback stays direct. Yarn 2 and later read
 * only their own (`YARN_HTTPS_PROXY`): without them yarn resolves registry names itself and fails with
 * EAI_AGAIN, since a sandbox has no DNS.
 */
export function egressProxyEnv(): Record<string, string> {
  const proxy = `http://127.0.0.1:${SANDBOX_EGRESS_PORT}`;
  const noProxy = 'localhost,127.0.0.1';
  return {
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    http_proxy: proxy,
    https_proxy: proxy,
    YARN_HTTP_PROXY: proxy,
    YARN_HTTPS_PROXY: proxy,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
  };
}

export interface BubblewrapArgsInput {
  layout: HostLayout;
  /** Real host path of the workspace. */
  workspacePath: string;
  /** Existing paths relative to the workspace, checked not to be symlinks. */
  readOnlyPaths: readonly string[];
  /** Real host path of the Node binary that runs the supervisor. */
  nodeBinaryPath: string;
  supervisorPath: string;
  /** Size of the private /tmp. */
  tmpBytes: number;
  /** Host paths of drydock's egress proxy socket and of the forwarder module; absent without network. */
  egress?: { socketPath: string; forwarderPath: string } | undefined;
  /**
   * The services compartment of a sandbox: started inside the agent sandbox's network namespace (the
   * caller enters it), so it keeps that one instead of a new one; everything else is its own.
   */
  joinsNetwork?: boolean;
  /** The descriptor bubblewrap reads the seccomp filter from (seccomp-filter.ts); none without one. */
  seccompFd?: number | undefined;
  /**
   * An image's root file system as the system instead of the host's (its `path` where bubblewrap
   * reaches it), and what drydock's Node needs to run on it; absent: the host's system.
   */
  image?: { layout: ImageLayout; runtime: NodeRuntime } | undefined;
}

/**
 * A user namespace drydock made for its confined programs (shared-user-namespace.ts), open as `fd`,
 * and the only capabilities they keep in it.
 */
export interface SharedUserns {
  fd: number;
  capabilities: readonly string[];
}

/**
 * What drydock's git keeps in the shared namespace, where drydock's user and the sandbox user are
 * mapped: reading, searching and writing either one's files (the agent's tree is the sandbox user's,
 * `.git` drydock's, whatever their modes), and changing a mode or deleting in a sticky directory of the
 * other's. They count for files of those two users only.
 */
export const CONFINED_GIT_CAPABILITIES = ['CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER'];

/**
 * Every namespace (the network's unless the caller put bubblewrap in one to share), no capabilities,
 * no further user namespaces, no environment: every kind of sandbox. With a shared user namespace,
 * bubblewrap joins it instead of making one (no --disable-userns then: the seccomp filter refuses
 * new namespaces) and keeps the capabilities it names.
 */
function namespaces(network: 'own' | 'joined', userns?: SharedUserns): string[] {
  const user =
    userns === undefined
      ? // The user namespace is required, not "try".
        ['--unshare-user']
      : ['--userns', String(userns.fd)];
  const capabilities =
    userns === undefined ? [] : userns.capabilities.flatMap((capability) => ['--cap-add', capability]);
  return [
    ...user,
    '--unshare-ipc',
    '--unshare-pid',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(network === 'own' ? ['--unshare-net'] : []),
    ...(userns === undefined ? ['--disable-userns'] : []),
    '--cap-drop',
    'ALL',
    ...capabilities,
    '--die-with-parent',
    '--new-session',
    '--clearenv',
  ];
}

/** The read-only system (with /etc's secrets masked), /proc, /dev and a private /tmp of `tmpBytes`. */
function systemView(layout: HostLayout, tmpBytes: number, image?: ImageLayout): string[] {
  const args: string[] = [];
  if (image === undefined) {
    for (const dir of layout.systemDirs) args.push('--ro-bind', dir, dir);
    for (const link of layout.systemLinks) args.push('--symlink', link.target, link.path);
    args.push('--ro-bind', '/etc', '/etc');
    for (const file of layout.maskedFiles) args.push('--ro-bind', '/dev/null', file);
    for (const dir of layout.maskedDirs) args.push('--tmpfs', dir, '--remount-ro', dir);
  } else {
    // The image's whole top level, its /etc included: nothing of the host's system, not even /etc.
    for (const name of image.binds) args.push('--ro-bind', join(image.path, name), `/${name}`);
    for (const link of image.links) args.push('--symlink', link.target, link.path);
    for (const name of image.opt) args.push('--ro-bind', join(image.path, 'opt', name), `/opt/${name}`);
  }
  args.push('--proc', '/proc');
  // Sysctls check only file ownership, and the sandbox user may map to a root drydock's own user
  // (its confinement of git does): without this a command could set kernel.core_pattern.
  for (const path of PROC_READ_ONLY) args.push('--ro-bind-try', path, path);
  args.push('--dev', '/dev', '--size', String(tmpBytes), '--tmpfs', '/dev/shm', '--remount-ro', '/dev');
  args.push('--size', String(tmpBytes), '--tmpfs', '/tmp');
  return args;
}

function seccompArgs(fd: number | undefined): string[] {
  return fd === undefined ? [] : ['--seccomp', String(fd)];
}

function setenvArgs(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([name, value]) => ['--setenv', name, value]);
}

/**
 * The bwrap command line of a session sandbox. Pure, so the isolation it promises can be read and
 * tested in one place. The supervisor gets a minimal environment of its own (no NODE_OPTIONS from a
 * spec can reach it); commands get sandboxBaseEnv through each exec request.
 */
export function buildBubblewrapArgs(input: BubblewrapArgsInput): string[] {
  const { layout, image } = input;
  const supervisorEnv: Record<string, string> =
    image === undefined
      ? { PATH: SANDBOX_PATH, HOME: '/tmp', LANG: 'C.UTF-8' }
      : {
          PATH: image.layout.env.PATH ?? '',
          HOME: '/tmp',
          LANG: 'C.UTF-8',
          [SUPERVISOR_SHELL_VARIABLE]: image.layout.shell,
        };
  const args = [
    ...namespaces(input.joinsNetwork ? 'joined' : 'own'),
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_UID),
    '--hostname',
    SANDBOX_HOSTNAME,
    ...setenvArgs(supervisorEnv),
    ...seccompArgs(input.seccompFd),
    ...systemView(layout, input.tmpBytes, image?.layout),
  ];
  args.push('--bind', input.workspacePath, SANDBOX_WORKDIR);
  for (const path of input.readOnlyPaths) {
    args.push('--ro-bind', join(input.workspacePath, path), join(SANDBOX_WORKDIR, path));
  }
  // Only the binary, not its directory: next to it may be anything of the host's.
  args.push('--ro-bind', input.nodeBinaryPath, join(SANDBOX_NODE_BIN_DIR, 'node'));
  // On an image, Node runs on its own loader and libraries, whatever C library the image has (or none).
  const runtime = image?.runtime;
  const loader: string[] = [];
  if (runtime !== undefined) {
    for (const file of [runtime.interpreter, ...runtime.libraries]) {
      args.push('--ro-bind', file.source, join(SANDBOX_NODE_LIB_DIR, file.name));
    }
    loader.push(join(SANDBOX_NODE_LIB_DIR, runtime.interpreter.name), '--library-path', SANDBOX_NODE_LIB_DIR);
  }
  args.push('--ro-bind', input.supervisorPath, SANDBOX_SUPERVISOR_PATH);
  const supervisorArgs = [SANDBOX_WORKDIR];
  if (input.egress !== undefined) {
    // Connecting to a socket needs no write access to its mount: read-only like everything of drydock's.
    args.push('--ro-bind', input.egress.forwarderPath, SANDBOX_EGRESS_FORWARDER_PATH);
    args.push('--ro-bind', input.egress.socketPath, SANDBOX_EGRESS_SOCKET);
    supervisorArgs.push(SANDBOX_EGRESS_SOCKET, String(SANDBOX_EGRESS_PORT));
  }
  // The root is bubblewrap's own tmpfs: read-only, so nothing can be written outside the workspace and /tmp.
  args.push('--remount-ro', '/');
  args.push('--chdir', SANDBOX_WORKDIR);
  args.push('--', ...loader, join(SANDBOX_NODE_BIN_DIR, 'node'), SANDBOX_SUPERVISOR_PATH, ...supervisorArgs);
  return args;
}

/** Size of a confined program's private /tmp. */
const CONFINED_TMP_BYTES = 64 * 1024 * 1024;

/**
 * The bwrap command line that runs one of drydock's own programs (its git) confined: the sandbox's
 * namespaces and read-only system, the given host paths at the same paths (nothing else of the host's),
 * no network, only the command's environment. The program runs as drydock's user, so what it writes is
 * owned as if drydock wrote it: without capabilities, or, in a shared user namespace, with just the
 * ones that namespace's ids are given. Pure.
 */
export function buildConfinementArgs(
  layout: HostLayout,
  command: HostCommand,
  paths: ConfinedPaths,
  seccompFd?: number,
  userns?: SharedUserns,
): string[] {
  const args = [
    ...namespaces('own', userns),
    ...setenvArgs(command.env),
    ...seccompArgs(seccompFd),
    ...systemView(layout, CONFINED_TMP_BYTES),
  ];
  for (const path of paths.readable ?? []) args.push('--ro-bind', path, path);
  for (const path of paths.writable) args.push('--bind', path, path);
  args.push('--remount-ro', '/', '--chdir', command.cwd, '--', command.file, ...command.args);
  return args;
}
