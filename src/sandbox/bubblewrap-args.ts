import { join } from 'node:path';
import type { HostLayout } from './host-layout.ts';

export const SANDBOX_WORKDIR = '/workspace';
export const SANDBOX_NODE_BIN_DIR = '/opt/drydock/node/bin';
export const SANDBOX_SUPERVISOR_PATH = '/opt/drydock/supervisor.ts';
/** Not 0: inside the sandbox nothing runs as root, and bubblewrap drops every capability. */
export const SANDBOX_UID = 1000;
export const SANDBOX_HOSTNAME = 'drydock';

const SANDBOX_PATH = `/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin:${SANDBOX_NODE_BIN_DIR}`;

/** The environment every command in a bubblewrap sandbox starts from: nothing of the host's. */
export function sandboxBaseEnv(specEnv: Record<string, string> = {}): Record<string, string> {
  return { PATH: SANDBOX_PATH, HOME: '/tmp', LANG: 'C.UTF-8', TERM: 'dumb', ...specEnv };
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
}

/**
 * The bwrap command line of a session sandbox. Pure, so the isolation it promises can be read and
 * tested in one place. The supervisor gets a minimal environment of its own (no NODE_OPTIONS from a
 * spec can reach it); commands get sandboxBaseEnv through each exec request.
 */
export function buildBubblewrapArgs(input: BubblewrapArgsInput): string[] {
  const { layout } = input;
  const args = [
    // user, ipc, pid, net, uts and cgroup namespaces; the user namespace is required, not "try".
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--cap-drop',
    'ALL',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_UID),
    '--hostname',
    SANDBOX_HOSTNAME,
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--setenv',
    'PATH',
    SANDBOX_PATH,
    '--setenv',
    'HOME',
    '/tmp',
    '--setenv',
    'LANG',
    'C.UTF-8',
  ];
  for (const dir of layout.systemDirs) args.push('--ro-bind', dir, dir);
  for (const link of layout.systemLinks) args.push('--symlink', link.target, link.path);
  args.push('--ro-bind', '/etc', '/etc');
  for (const file of layout.maskedFiles) args.push('--ro-bind', '/dev/null', file);
  for (const dir of layout.maskedDirs) args.push('--tmpfs', dir, '--remount-ro', dir);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  args.push('--bind', input.workspacePath, SANDBOX_WORKDIR);
  for (const path of input.readOnlyPaths) {
    args.push('--ro-bind', join(input.workspacePath, path), join(SANDBOX_WORKDIR, path));
  }
  // Only the binary, not its directory: next to it may be anything of the host's.
  args.push('--ro-bind', input.nodeBinaryPath, join(SANDBOX_NODE_BIN_DIR, 'node'));
  args.push('--ro-bind', input.supervisorPath, SANDBOX_SUPERVISOR_PATH);
  // The root is bubblewrap's own tmpfs: read-only, so nothing can be written outside the workspace and /tmp.
  args.push('--remount-ro', '/');
  args.push('--chdir', SANDBOX_WORKDIR);
  args.push('--', join(SANDBOX_NODE_BIN_DIR, 'node'), SANDBOX_SUPERVISOR_PATH, SANDBOX_WORKDIR);
  return args;
}
