import type { z } from 'zod';
import { InternalError } from '../core/errors.ts';
import type { ExecOptions, ExecResult, FileStat, Sandbox } from '../core/ports/sandbox.ts';
import { abortedBeforeStart, resolveExecLimits } from './exec-limits.ts';
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
}

export function createSupervisedSandbox(options: SupervisedSandboxOptions): SupervisedSandbox {
  const { connection, baseEnv, killGraceMs, responseTimeoutMs } = options;
  const fileCall = async (request: Parameters<SupervisorConnection['call']>[0]): Promise<unknown> =>
    connection.call(request, { deadlineMs: responseTimeoutMs });

  return {
    id: options.id,
    workdir: options.workdir,
    hostPid: connection.pid,

    async exec(command: string | readonly string[], execOptions: ExecOptions = {}): Promise<ExecResult> {
      const { timeoutMs, maxOutputBytes } = resolveExecLimits(execOptions);
      if (execOptions.signal?.aborted) return abortedBeforeStart();
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
        },
        {
          onOutput: execOptions.onOutput,
          signal: execOptions.signal,
          // Without a timeout a command may rightly run for as long as it likes.
          deadlineMs: timeoutMs === undefined ? undefined : timeoutMs + killGraceMs + responseTimeoutMs,
        },
      );
      return parseAnswer(execResultSchema, value, 'exec');
    },

    async readFile(path: string): Promise<Buffer> {
      const base64 = parseAnswer(base64Schema, await fileCall({ op: 'readFile', path }), 'readFile');
      return Buffer.from(base64, 'base64');
    },

    async writeFile(path: string, content: string | Uint8Array): Promise<void> {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
      const answer = await fileCall({ op: 'writeFile', path, base64: bytes.toString('base64') });
      parseAnswer(nothingSchema, answer, 'writeFile');
    },

    async stat(path: string): Promise<FileStat | null> {
      return parseAnswer(fileStatSchema, await fileCall({ op: 'stat', path }), 'stat');
    },

    async listDir(path: string): Promise<string[]> {
      return parseAnswer(dirEntriesSchema, await fileCall({ op: 'listDir', path }), 'listDir');
    },

    destroy: () => connection.close(),
  };
}
