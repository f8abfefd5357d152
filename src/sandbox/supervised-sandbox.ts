import type { z } from 'zod';
import { InternalError } from '../core/errors.ts';
import type {
  ExecOptions,
  ExecResult,
  FileStat,
  Sandbox,
  SandboxLimitsInForce,
} from '../core/ports/sandbox.ts';
import { diskFullError, diskFullNote, ENOSPC_PATTERN, isDiskFull } from './disk-quota.ts';
import { abortedBeforeStart, resolveExecLimits } from './exec-limits.ts';
import { sandboxWallTimeExceeded } from './sandbox-errors.ts';
import type { SupervisorConnection } from './supervisor-connection.ts';
import {
  base64Schema,
  dirEntriesSchema,
  execResultSchema,
  fileStatSchema,
  nothingSchema,
} from './supervisor-protocol.ts';

export interface SupervisedSandboxOptions {
  id: string;
  workdir: string;
  connection: SupervisorConnection;
  /** The environment every command starts from (exec env is merged over it). */
  baseEnv: Record<string, string>;
  killGraceMs: number;
  /** How long a file operation, or an exec beyond its timeout and grace, may go unanswered. */
  responseTimeoutMs: number;
  /** What the sandbox enforces; its wallTimeMs (from now) is enforced here. */
  limits: SandboxLimitsInForce;
  /** The sandbox's OOM kills so far (null when unknown), to mark exec results. */
  oomKillCount?: (() => Promise<number | null>) | undefined;
  /** Host mount point of the workspace's disk quota (limits.diskBytes), to tell a full quota. */
  diskMountPoint?: string | undefined;
  /** Releases what lives outside the sandbox process (cgroups, the egress proxy). Called once, when it has ended. */
  release?: (() => Promise<void>) | undefined;
}

/** Answers come from inside the sandbox: a malformed one is a protocol error, not a crash. */
function parseAnswer<T>(schema: z.ZodType<T>, value: unknown, op: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InternalError('sandbox_protocol_error', `The sandbox answered ${op} with a malformed result.`, {
    cause: parsed.error,
  });
}

/** A sandbox whose every operation is a request to a supervisor process inside it. */
export interface SupervisedSandbox extends Sandbox {
  /** The host pid of the sandbox process. */
  readonly hostPid: number | undefined;
  readonly limits: SandboxLimitsInForce;
}

export function createSupervisedSandbox(options: SupervisedSandboxOptions): SupervisedSandbox {
  const { connection, baseEnv, killGraceMs, responseTimeoutMs, limits } = options;
  const fileCall = async (request: Parameters<SupervisorConnection['call']>[0]): Promise<unknown> =>
    connection.call(request, { deadlineMs: responseTimeoutMs });
  let releasing: Promise<void> | undefined;
  const release = (): Promise<void> => {
    releasing ??= options.release?.() ?? Promise.resolve();
    return releasing;
  };
  const { wallTimeMs } = limits;
  const wallClock =
    wallTimeMs === null
      ? undefined
      : setTimeout(() => {
          void connection.abandon(sandboxWallTimeExceeded(options.id, wallTimeMs));
        }, wallTimeMs);
  // The sandbox process keeps drydock alive while it runs; its wall clock alone should not.
  wallClock?.unref();
  // However the sandbox ends (destroy, wall clock, killed from outside), its cgroups and proxy go too.
  connection.exited
    .then(() => {
      clearTimeout(wallClock);
      return release();
    })
    .catch(() => {});
  const oomKills = async (): Promise<number | null> =>
    options.oomKillCount === undefined ? null : options.oomKillCount().catch(() => null);
  const { diskMountPoint } = options;
  const diskBytes = limits.diskBytes;
  /** A full quota is a note the agent reads, not a failure of drydock: the sandbox goes on. */
  const withDiskNote = async (result: ExecResult): Promise<ExecResult> => {
    if (diskMountPoint === undefined || diskBytes === null) return result;
    if (!(await isDiskFull(diskMountPoint, ENOSPC_PATTERN.test(result.output)))) return result;
    const separator = result.output === '' || result.output.endsWith('\n') ? '' : '\n';
    return { ...result, diskFull: true, output: `${result.output}${separator}${diskFullNote(diskBytes)}\n` };
  };

  return {
    id: options.id,
    workdir: options.workdir,
    hostPid: connection.pid,
    limits,

    async exec(command: string | readonly string[], execOptions: ExecOptions = {}): Promise<ExecResult> {
      const { timeoutMs, maxOutputBytes } = resolveExecLimits(execOptions);
      if (execOptions.signal?.aborted) return abortedBeforeStart();
      const oomKillsBefore = await oomKills();
      const value = await connection.call(
        {
          op: 'exec',
          command: typeof command === 'string' ? command : [...command],
          ...(execOptions.cwd === undefined ? {} : { cwd: execOptions.cwd }),
          env: { ...baseEnv, ...execOptions.env },
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
          maxOutputBytes,
          killGraceMs,
          stream: execOptions.onOutput !== undefined,
          ...(execOptions.stdin === undefined ? {} : { stdin: true }),
        },
        {
          onOutput: execOptions.onOutput,
          stdin: execOptions.stdin,
          signal: execOptions.signal,
          // Without a timeout a command may rightly run for as long as it likes.
          deadlineMs: timeoutMs === undefined ? undefined : timeoutMs + killGraceMs + responseTimeoutMs,
        },
      );
      const result = await withDiskNote(parseAnswer(execResultSchema, value, 'exec'));
      const oomKillsAfter = oomKillsBefore === null ? null : await oomKills();
      return oomKillsBefore === null || oomKillsAfter === null
        ? result
        : { ...result, oomKilled: oomKillsAfter > oomKillsBefore };
    },

    async readFile(path: string): Promise<Buffer> {
      const base64 = parseAnswer(base64Schema, await fileCall({ op: 'readFile', path }), 'readFile');
      return Buffer.from(base64, 'base64');
    },

    async writeFile(path: string, content: string | Uint8Array): Promise<void> {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
      let answer: unknown;
      try {
        answer = await fileCall({ op: 'writeFile', path, base64: bytes.toString('base64') });
      } catch (error) {
        const enospc = ENOSPC_PATTERN.test(error instanceof Error ? error.message : String(error));
        if (
          enospc &&
          diskMountPoint !== undefined &&
          diskBytes !== null &&
          (await isDiskFull(diskMountPoint, true))
        ) {
          throw diskFullError(diskBytes, error);
        }
        throw error;
      }
      parseAnswer(nothingSchema, answer, 'writeFile');
    },

    async stat(path: string): Promise<FileStat | null> {
      return parseAnswer(fileStatSchema, await fileCall({ op: 'stat', path }), 'stat');
    },

    async listDir(path: string): Promise<string[]> {
      return parseAnswer(dirEntriesSchema, await fileCall({ op: 'listDir', path }), 'listDir');
    },

    async destroy() {
      clearTimeout(wallClock);
      await connection.close();
      await release();
    },
  };
}
