import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { BadInputError, type DrydockError, UnavailableError } from '../core/errors.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type {
  ExecOptions,
  ExecResult,
  FileStat,
  HostCommandConfinement,
  Sandbox,
  SandboxProvider,
  SandboxSpec,
} from '../core/ports/sandbox.ts';
import { workspaceDisk } from './disk-quota.ts';
import { abortedBeforeStart, DEFAULT_KILL_GRACE_MS, resolveExecLimits } from './exec-limits.ts';
import { resolveSandboxLimits } from './resource-limits.ts';
import { operationFailure, sandboxDestroyed, sandboxWallTimeExceeded } from './sandbox-errors.ts';
import {
  isProcessGroupAlive,
  killProcessGroup,
  listDirAt,
  OperationError,
  type RunningCommand,
  readFileAt,
  startCommand,
  statAt,
  writeFileAt,
} from './supervisor.ts';
import { resolveInsideWorkspace } from './workspace-path.ts';

export interface HostProviderOptions {
  /** Time between SIGTERM and SIGKILL when a command times out or is aborted. Default 2 s. */
  killGraceMs?: number;
  ids?: IdGenerator;
}

/**
 * What a provider without isolation costs the user, for the CLI to print on every run. `label` says
 * which choice it was (`--sandbox none`).
 */
export function noIsolationWarning(label: string): string {
  return (
    `${label}: commands run on this machine without isolation: the agent can read and change every file ` +
    'your user can (other repositories, SSH keys, cloud credentials), reach any network host, and use all ' +
    'CPU, memory and processes; only the wall-clock limit applies and no network allowlist is enforced. ' +
    'Use it only for repositories and tasks you trust, on a machine you can afford to lose.'
  );
}

/** Runs drydock's own programs as they are: this provider isolates nothing, not even them. */
export const unconfined: HostCommandConfinement = {
  isolated: false,
  wrap: async (command) => command,
};

/** How long destroy() waits for killed processes to exit (one the kernel cannot kill at once: an uninterruptible wait). */
const EXIT_WAIT_MS = 2000;

/**
 * Resolves once every process of the groups has exited, or after `maxMs`. Exited means a zombie at
 * most: an orphan waits for the host's init to reap it, which may take long, but holds nothing.
 */
async function untilGroupsExit(groups: Iterable<number>, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (const pid of groups) {
    while (isProcessGroupAlive(pid) && groupIsRunning(pid) && Date.now() < deadline) await delay(5);
  }
}

/**
 * Whether a process of the group has not exited yet (is not a zombie), from /proc. Read synchronously:
 * a /proc file is in memory, and one asynchronous read each costs more than the whole scan.
 */
function groupIsRunning(pgid: number): boolean {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let line: string;
    try {
      line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // `pid (comm) state ppid pgrp …`; comm may hold anything, so read after its last ')'.
    const [state, , pgrp] = line.slice(line.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

const randomIds: IdGenerator = { next: () => randomBytes(6).toString('hex') };

function toDrydockError(error: unknown): unknown {
  return error instanceof OperationError ? operationFailure(error.kind, error.code, error.message) : error;
}

/** The same explicit environment as in a sandbox, with the host's real home and Node. */
function hostBaseEnv(specEnv: Record<string, string> = {}): Record<string, string> {
  const path = `/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin:${dirname(process.execPath)}`;
  return { PATH: path, HOME: homedir(), LANG: 'C.UTF-8', TERM: 'dumb', ...specEnv };
}

/**
 * No isolation: commands run on the host, in the workspace directory, as drydock's own user. Exec
 * semantics are the sandbox supervisor's (the same code), file paths are confined to the workspace
 * lexically, and the environment is explicit, but a command can reach anything drydock can. Of the
 * limits only the wall clock is enforced (mechanism `none`); a network allowlist is not enforced.
 */
export function createHostProvider(options: HostProviderOptions = {}): SandboxProvider {
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const ids = options.ids ?? randomIds;

  async function create(spec: SandboxSpec): Promise<Sandbox> {
    if (spec.root !== undefined) {
      throw new BadInputError(
        'image_needs_bubblewrap',
        `The environment runs on image ${spec.root.label}, and images need the bubblewrap sandbox: this ` +
          "one runs commands on the host's own system. Use `--sandbox bubblewrap`, or drop the image.",
      );
    }
    const root = await realpath(spec.workspacePath).catch(() => null);
    if (root === null || !(await stat(root)).isDirectory()) {
      throw new BadInputError(
        'workspace_not_found',
        `The workspace ${spec.workspacePath} does not exist or is not a directory.`,
      );
    }
    const { wallTimeMs } = resolveSandboxLimits(spec.limits);
    const { diskBytes, disk } = await workspaceDisk(root);
    const id = `${spec.sessionId}-${ids.next()}`;
    const baseEnv = hostBaseEnv(spec.env);
    // Process groups of every command, so destroy() also stops what they left in the background.
    const groups = new Set<number>();
    const running = new Set<Promise<unknown>>();
    let destroyed: DrydockError | undefined;
    let destroying: Promise<void> | undefined;
    /** Stops every command; later calls reject with the reason. */
    const end = async (reason: DrydockError): Promise<void> => {
      destroyed = reason;
      for (const pid of groups) killProcessGroup(pid);
      await Promise.allSettled(running);
      // A killed process still holds its cwd until it has exited: wait, so the workspace (a layered
      // one's overlay, unmounted next) is no longer in use when destroy() returns.
      await untilGroupsExit(groups, EXIT_WAIT_MS);
    };
    const wallClock = setTimeout(() => {
      if (destroyed === undefined) void end(sandboxWallTimeExceeded(id, wallTimeMs));
    }, wallTimeMs);
    wallClock.unref();

    const guard = async <T>(operation: () => Promise<T>): Promise<T> => {
      if (destroyed !== undefined) throw destroyed;
      try {
        return await operation();
      } catch (error) {
        throw toDrydockError(error);
      }
    };

    return {
      id,
      workdir: root,
      limits: {
        mechanism: 'none',
        memoryBytes: null,
        pids: null,
        cpus: null,
        wallTimeMs,
        tmpBytes: null,
        diskBytes,
        disk,
      },

      exec(command: string | readonly string[], execOptions: ExecOptions = {}): Promise<ExecResult> {
        return guard(async () => {
          const { timeoutMs, maxOutputBytes } = resolveExecLimits(execOptions);
          if (execOptions.signal?.aborted) return abortedBeforeStart();
          for (const pid of groups) if (!isProcessGroupAlive(pid)) groups.delete(pid);
          const started = await startCommand(
            {
              command,
              cwd: resolveInsideWorkspace(root, execOptions.cwd ?? '.'),
              env: { ...baseEnv, ...execOptions.env },
              timeoutMs,
              maxOutputBytes,
              killGraceMs,
              stdin: execOptions.stdin !== undefined,
            },
            execOptions.onOutput,
          );
          if (execOptions.stdin !== undefined) void pumpStdin(execOptions.stdin, started);
          if (started.pid !== undefined) groups.add(started.pid);
          const onAbort = (): void => started.abort();
          execOptions.signal?.addEventListener('abort', onAbort, { once: true });
          // An abort that landed while the command was starting has no listener to reach: apply it now.
          if (execOptions.signal?.aborted) started.abort();
          running.add(started.result);
          try {
            const result = await started.result;
            // Like a bubblewrap sandbox: a command cut short by destroy() rejects rather than reporting.
            if (destroyed !== undefined) throw destroyed;
            return result;
          } finally {
            running.delete(started.result);
            execOptions.signal?.removeEventListener('abort', onAbort);
          }
        });
      },

      readFile: (path) => guard(() => readFileAt(resolveInsideWorkspace(root, path))),

      writeFile: (path, content) =>
        guard(() => writeFileAt(resolveInsideWorkspace(root, path), Buffer.from(content))),

      stat: (path): Promise<FileStat | null> => guard(() => statAt(resolveInsideWorkspace(root, path))),

      listDir: (path) => guard(() => listDirAt(resolveInsideWorkspace(root, path))),

      destroy() {
        clearTimeout(wallClock);
        destroying ??= end(sandboxDestroyed(id));
        return destroying;
      },
    };
  }

  return {
    confinement: unconfined,
    capabilities: {
      name: 'host',
      isolated: false,
      network: true,
      egressAllowlist: false,
      warning: noIsolationWarning('sandbox host'),
    },

    async check() {
      await new Promise<void>((resolve, reject) => {
        const probe = spawn('bash', ['-c', 'true'], { stdio: 'ignore' });
        probe.once('error', (error) =>
          reject(
            new UnavailableError(
              'bash_missing',
              'bash is not installed: install it (`apt-get install -y bash`).',
              {
                cause: error,
                transient: false,
              },
            ),
          ),
        );
        probe.once('exit', () => resolve());
      });
    },

    create,
  };
}

/** Feeds a command's stdin from the iterable, then closes it; stops early when the command is gone. */
async function pumpStdin(source: AsyncIterable<string>, command: RunningCommand): Promise<void> {
  let exited = false;
  void command.result.then(() => {
    exited = true;
  });
  try {
    for await (const data of source) {
      if (exited) return;
      command.writeStdin(data);
    }
  } catch {
    // A failing source closes the stdin like an ending one.
  }
  command.writeStdin(null);
}
