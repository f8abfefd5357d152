import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { isUnavailable, UnavailableError } from '../core/errors.ts';
import { explainBubblewrapFailure } from './bubblewrap-diagnosis.ts';
import type { RlimitPlan } from './limit-plan.ts';
import { buildLauncher, type LauncherBinds } from './sandbox-launcher.ts';
import { COMMAND_NICENESS } from './supervisor.ts';
import { connectSupervisor, type SupervisorConnection } from './supervisor-connection.ts';

/** The descriptor bubblewrap reads its NUL-separated arguments from (`--args 3`). */
const ARGS_FD = 3;

/** What one supervisor is started with: the launcher's part, bubblewrap's, and how long it may take. */
export interface SupervisorLaunch {
  id: string;
  /** The cgroups' `cgroup.procs` files the launcher joins first. */
  procsFiles: readonly string[];
  rlimit: RlimitPlan | null;
  /** The seccomp filter the launcher opens for bubblewrap; null where drydock has none. */
  seccompFile: string | null;
  binds: LauncherBinds | undefined;
  /** Ends with bubblewrap (through setpriv, nsenter…). */
  command: readonly string[];
  bwrapArgs: readonly string[];
  /** A spare's start: at the commands' niceness. */
  background?: boolean;
  startTimeoutMs: number;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts a supervisor through the launcher (cgroups, rlimits, seccomp) and waits until it is ready.
 * `command` ends with bubblewrap, which reads the options of `bwrapArgs` from a pipe (`--args`); the
 * command after their last `--` (the supervisor, at sandbox paths) stays on its command line. A start
 * that fails or times out is closed and explained (bubblewrap-diagnosis.ts).
 */
export async function launchSupervisor(launch: SupervisorLaunch): Promise<SupervisorConnection> {
  const { id, bwrapArgs, startTimeoutMs } = launch;
  const split = bwrapArgs.lastIndexOf('--');
  const launcher = buildLauncher({
    procsFiles: launch.procsFiles,
    rlimit: launch.rlimit,
    seccompFile: launch.seccompFile ?? undefined,
    binds: launch.binds,
    command: [...launch.command, '--args', String(ARGS_FD), ...bwrapArgs.slice(split)],
  });
  // bubblewrap's pid 1 in the sandbox keeps what it was started with, readable there: its environment
  // (/proc/1/environ: --clearenv only reaches the supervisor), so an empty one; its working directory,
  // so `/`; its command line (/proc/1/cmdline: host paths of the workspace, Node, drydock), so its
  // arguments come through a pipe.
  const child = spawn(launcher.file, launcher.args, {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    env: {},
    cwd: '/',
  });
  // A spare starts in the background: at the commands' niceness (which its supervisor would take at
  // once anyway), so a sandbox being handed over meanwhile keeps the CPU.
  if (launch.background === true && child.pid !== undefined) {
    try {
      setPriority(child.pid, COMMAND_NICENESS);
    } catch {
      // Gone already: its start fails and says why.
    }
  }
  const argsPipe = child.stdio[ARGS_FD];
  if (argsPipe && 'write' in argsPipe) {
    argsPipe.on('error', () => {});
    argsPipe.end(
      bwrapArgs
        .slice(0, split)
        .map((arg) => `${arg}\0`)
        .join(''),
    );
  }
  const connection = connectSupervisor(child, id);
  try {
    await withTimeout(
      connection.ready,
      startTimeoutMs,
      () =>
        new UnavailableError(
          'sandbox_start_failed',
          `The bubblewrap sandbox did not start within ${startTimeoutMs} ms; the machine may be overloaded.`,
        ),
    );
  } catch (error) {
    await connection.close();
    if (isUnavailable(error, 'sandbox_start_failed')) throw error;
    const reason = explainBubblewrapFailure(connection.stderrTail());
    throw new UnavailableError('sandbox_start_failed', reason, { cause: error });
  }
  return connection;
}
