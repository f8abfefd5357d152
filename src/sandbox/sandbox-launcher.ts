/**
 * The command that starts a bubblewrap sandbox: a few lines of sh that move themselves into the
 * sandbox's cgroups, open the seccomp filter for bubblewrap to read, and then exec bubblewrap
 * (through prlimit when rlimits are the mechanism). The move happens before bubblewrap exists, so every
 * process of the sandbox inherits the cgroups, and the pid drydock holds is bubblewrap's. Pure.
 */
import type { RlimitPlan } from './limit-plan.ts';

/** Exit code of the launcher when it cannot join a cgroup (bubblewrap never started). */
export const LAUNCHER_CGROUP_EXIT_CODE = 125;

export const LAUNCHER_CGROUP_ERROR = 'drydock: cannot move the sandbox into its cgroup';

/** The file descriptor bubblewrap reads the seccomp filter from (`--seccomp 9`). */
export const SECCOMP_FD = 9;

const SCRIPT = [
  'while [ "$#" -gt 0 ] && [ "$1" != -- ]; do',
  `  echo $$ > "$1" || { echo "${LAUNCHER_CGROUP_ERROR} $1" >&2; exit ${LAUNCHER_CGROUP_EXIT_CODE}; }`,
  '  shift',
  'done',
  'shift',
  `if [ -n "$1" ]; then exec ${SECCOMP_FD}< "$1" || exit 126; fi`,
  'shift',
  'exec "$@"',
].join('\n');

export interface LauncherInput {
  /** cgroup.procs files to join, in order. */
  procsFiles: readonly string[];
  rlimit: RlimitPlan | null;
  /** The seccomp filter's file, opened as SECCOMP_FD for the command (bubblewrap `--seccomp 9`). */
  seccompFile?: string | undefined;
  /** bubblewrap and its arguments. */
  command: readonly string[];
}

export function buildLauncher(input: LauncherInput): { file: string; args: string[] } {
  const prlimit =
    input.rlimit === null ? [] : [input.rlimit.prlimitPath, `--as=${input.rlimit.addressSpaceBytes}`, '--'];
  return {
    file: '/bin/sh',
    args: [
      '-c',
      SCRIPT,
      'drydock-launcher',
      ...input.procsFiles,
      '--',
      input.seccompFile ?? '',
      ...prlimit,
      ...input.command,
    ],
  };
}
