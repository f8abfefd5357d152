/**
 * The command that starts a bubblewrap sandbox: a few lines of sh that move themselves into the
 * sandbox's cgroups, open the seccomp filter for bubblewrap to read, bind what bubblewrap must reach
 * and let go of the host's other mounts (when it runs as another user than drydock), and then exec
 * bubblewrap (through prlimit when rlimits are the mechanism, through setpriv when it runs as the
 * sandbox user). The move happens before bubblewrap exists, so every process of the sandbox inherits
 * the cgroups, and the pid drydock holds is bubblewrap's. Pure.
 */
import type { HostUser } from '../core/ports/sandbox.ts';
import type { RlimitPlan } from './limit-plan.ts';

/** Exit code of the launcher when it cannot join a cgroup (bubblewrap never started). */
export const LAUNCHER_CGROUP_EXIT_CODE = 125;

export const LAUNCHER_CGROUP_ERROR = 'drydock: cannot move the sandbox into its cgroup';

/** The file descriptor bubblewrap reads the seccomp filter from (`--seccomp 9`). */
export const SECCOMP_FD = 9;

/** Exit code of the launcher when it cannot bind a path for the sandbox (bubblewrap never started). */
export const LAUNCHER_BIND_EXIT_CODE = 124;

export const LAUNCHER_BIND_ERROR = 'drydock: cannot bind a path for the sandbox';

const SCRIPT = [
  'while [ "$#" -gt 0 ] && [ "$1" != -- ]; do',
  `  echo $$ > "$1" || { echo "${LAUNCHER_CGROUP_ERROR} $1" >&2; exit ${LAUNCHER_CGROUP_EXIT_CODE}; }`,
  '  shift',
  'done',
  'shift',
  `if [ -n "$1" ]; then exec ${SECCOMP_FD}< "$1" || exit 126; fi`,
  'shift',
  'mount_program=$1',
  'shift',
  'while [ "$#" -gt 0 ] && [ "$1" != -- ]; do',
  `  "$mount_program" --rbind "$1" "$2" || { echo "${LAUNCHER_BIND_ERROR}: $1 at $2" >&2; exit ${LAUNCHER_BIND_EXIT_CODE}; }`,
  '  shift 2',
  'done',
  'shift',
  // One umount for all, lazily; one the host unmounted meanwhile is no error. Newline-separated (none
  // has a newline: mountsToDetach), expanded with globbing off.
  'umount_program=$1',
  'detach=$2',
  'kept=$3',
  'shift 3',
  'if [ -n "$detach" ]; then',
  '  IFS="',
  '"',
  '  set -f',
  '  "$umount_program" -R -l $detach 2>/dev/null',
  '  set +f',
  '  unset IFS',
  'fi',
  // A namespace that takes the host's mounts as a slave (a spare's) does so for its binds' sake only:
  // each mount it kept of the host's stops receiving. One the host unmounted meanwhile is no error.
  'if [ -n "$kept" ]; then',
  '  IFS="',
  '"',
  '  set -f',
  '  for point in $kept; do "$mount_program" --make-private "$point" 2>/dev/null; done',
  '  set +f',
  '  unset IFS',
  'fi',
  'exec "$@"',
].join('\n');

/** A host path bound at another for the command, in the launcher's own mount namespace. */
export interface LauncherBind {
  source: string;
  target: string;
}

/**
 * Binds made in a mount namespace of the launcher's own (`unshare --mount`, private propagation, so
 * nothing shows on the host and everything goes with the sandbox): how bubblewrap, started as an
 * unprivileged sandbox user, reaches a workspace in drydock's private data directory. Each target is
 * an existing mount point that user can reach.
 */
export interface LauncherBinds {
  unsharePath: string;
  mountPath: string;
  binds: readonly LauncherBind[];
  umountPath: string;
  /**
   * Mount points to let go of once bound (mountsToDetach): the namespace starts as a copy of every
   * mount of the host, and would keep each one (another session's overlay, a disk image and its loop
   * device) alive for as long as the sandbox runs, whatever the host unmounts meanwhile.
   */
  detach: readonly string[];
  /**
   * How the namespace takes the host's mounts: `private` (default) cuts it off; `slave` lets later
   * host mounts and unmounts reach its binds (never the other way), as a spare sandbox's workspace
   * must (spare-mounts.ts), and nothing else: every mount in `kept` is made private once bound.
   */
  propagation?: 'private' | 'slave';
  /**
   * The host's mount points the namespace keeps (mountsKept). With `slave` propagation each is made
   * private, so a mount the host makes later under the system, /etc or /proc (shared mounts under
   * systemd) does not reach the sandbox, as it does not reach a sandbox started privately.
   */
  kept?: readonly string[];
}

/**
 * The host's mount points (`mounts`) a launcher's namespace still has once `detach`ed ones are gone,
 * but for those the launcher could not pass (a newline). Pure.
 */
export function mountsKept(mounts: readonly string[], detach: readonly string[]): string[] {
  const within = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);
  return [...new Set(mounts)]
    .filter((point) => !point.includes('\n') && !detach.some((dir) => within(point, dir)))
    .sort();
}

/**
 * Which of the host's mount points (`mounts`) a launcher's namespace lets go of: all but `/`, those
 * above a path bubblewrap still needs (`keep`: the system, /etc, /proc, /dev, drydock's scripts and
 * stage directory, …) and those inside one. Only the top-most of each subtree (umount -R takes the
 * rest), and none whose path the launcher could not pass (a newline). Pure.
 */
export function mountsToDetach(mounts: readonly string[], keep: readonly string[]): string[] {
  const within = (path: string, dir: string): boolean =>
    dir === '/' || path === dir || path.startsWith(`${dir}/`);
  const needed = (point: string): boolean =>
    point === '/' ||
    keep.some((path) => within(path, point)) ||
    keep.some((path) => path !== '/' && within(point, path));
  const detached = [...new Set(mounts)].filter((point) => !point.includes('\n') && !needed(point)).sort();
  return detached.filter((point) => !detached.some((other) => other !== point && within(point, other)));
}

export interface LauncherInput {
  /** cgroup.procs files to join, in order. */
  procsFiles: readonly string[];
  rlimit: RlimitPlan | null;
  /** The seccomp filter's file, opened as SECCOMP_FD for the command (bubblewrap `--seccomp 9`). */
  seccompFile?: string | undefined;
  /** Paths to bind before the command, in a mount namespace of the launcher's own. */
  binds?: LauncherBinds | undefined;
  /** bubblewrap and its arguments. */
  command: readonly string[];
}

export function buildLauncher(input: LauncherInput): { file: string; args: string[] } {
  const prlimit =
    input.rlimit === null ? [] : [input.rlimit.prlimitPath, `--as=${input.rlimit.addressSpaceBytes}`, '--'];
  const { binds } = input;
  const script = [
    '/bin/sh',
    '-c',
    SCRIPT,
    'drydock-launcher',
    ...input.procsFiles,
    '--',
    input.seccompFile ?? '',
    binds?.mountPath ?? '',
    ...(binds?.binds ?? []).flatMap(({ source, target }) => [source, target]),
    '--',
    binds?.umountPath ?? '',
    (binds?.detach ?? []).join('\n'),
    (binds?.propagation === 'slave' ? (binds.kept ?? []) : []).join('\n'),
    ...prlimit,
    ...input.command,
  ];
  if (binds === undefined) return { file: script[0]!, args: script.slice(1) };
  // unshare execs the launcher: still one process, whose pid is bubblewrap's in the end.
  return {
    file: binds.unsharePath,
    args: ['--mount', '--propagation', binds.propagation ?? 'private', '--', ...script],
  };
}

/**
 * `command` run as `user` (setpriv: real and effective uid and gid, no supplementary groups, so
 * nothing of root's is left), for bubblewrap to map the sandbox user to. Pure.
 */
export function runAs(setprivPath: string, user: HostUser, command: readonly string[]): string[] {
  return [setprivPath, `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', ...command];
}
