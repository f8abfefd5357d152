/**
 * The sandbox supervisor: one long-lived process per sandbox that runs commands and file operations
 * for the host, over JSON lines on its stdin (requests) and stdout (messages), so a command costs a
 * message rather than a new sandbox. Inside bubblewrap it runs as `/opt/drydock/supervisor.ts` on
 * Node's type stripping, where nothing but `node:` builtins exists: keep this file self-contained.
 * The host provider imports its command runner and file helpers, so both providers share one
 * implementation of exec semantics (process groups, timeout kill with grace, output caps).
 */
import { spawn } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';

export type OutputStream = 'stdout' | 'stderr';

export interface CommandSpec {
  /** A shell command (`bash -c`, or `shell -c`) or an argv. */
  command: string | readonly string[];
  /** The program a shell command runs with. Default `bash`. */
  shell?: string | undefined;
  /** Absolute working directory. */
  cwd: string;
  /** The complete environment of the command. */
  env: Record<string, string>;
  timeoutMs?: number | undefined;
  maxOutputBytes: number;
  /** Time between SIGTERM and SIGKILL of the process group. */
  killGraceMs: number;
  /** Give the command a stdin pipe (`RunningCommand.writeStdin`) instead of an empty stdin. */
  stdin?: boolean | undefined;
  /** Set on the command before it runs: the sandbox supervisor makes its commands the OOM killer's first choice. */
  oomScoreAdj?: number | undefined;
}

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  output: string;
  truncated: boolean;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

export interface RunningCommand {
  /** Process id, which is also the process group id (undefined when the spawn failed). */
  readonly pid: number | undefined;
  readonly result: Promise<CommandResult>;
  /** SIGTERM to the process group, SIGKILL after the grace. No effect once the main process exited. */
  abort(): void;
  /** With `CommandSpec.stdin`: writes to the command's stdin, or (null) closes it. Ignored once it is closed or gone. */
  writeStdin(data: string | null): void;
}

export type OperationErrorKind = 'bad_input' | 'not_found' | 'internal';

/** The codes of failed operations; core/error-codes.ts lists each under its kind (sandbox-errors.ts maps them). */
export type OperationErrorCode =
  | 'empty_command'
  | 'is_directory'
  | 'not_directory'
  | 'permission_denied'
  | 'cwd_not_found'
  | 'file_not_found'
  | 'io_error'
  | 'supervisor_error';

/** A failed operation, with a stable code the host maps to its typed errors. */
export class OperationError extends Error {
  readonly kind: OperationErrorKind;
  readonly code: OperationErrorCode;

  constructor(kind: OperationErrorKind, code: OperationErrorCode, message: string) {
    super(message);
    this.name = 'OperationError';
    this.kind = kind;
    this.code = code;
  }
}

export interface PathStat {
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mtimeMs: number;
}

export type SupervisorRequest =
  | {
      id: number;
      op: 'exec';
      command: string | string[];
      /** Relative to the workdir, or absolute inside the sandbox. */
      cwd?: string;
      env: Record<string, string>;
      timeoutMs?: number;
      maxOutputBytes: number;
      killGraceMs: number;
      /** Send output messages as output arrives. */
      stream: boolean;
      /** Give the command a stdin pipe, fed by `stdin` requests with this exec's id. */
      stdin?: boolean;
    }
  /** Write to (data) or close (end) the stdin of the exec with this id. Never answered. */
  | { id: number; op: 'stdin'; data?: string; end?: boolean }
  /** Abort the exec with this id. Answered by that exec's result, not by a message of its own. */
  | { id: number; op: 'abort' }
  | { id: number; op: 'readFile'; path: string }
  | { id: number; op: 'writeFile'; path: string; base64: string }
  | { id: number; op: 'stat'; path: string }
  | { id: number; op: 'listDir'; path: string };

export type SupervisorMessage =
  | { type: 'ready'; pid: number }
  | { type: 'output'; id: number; stream: OutputStream; chunk: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; kind: OperationErrorKind; code: string; message: string };

/** After the main process exits, how long to wait for pipes that background processes keep open. */
const DRAIN_MS = 100;

/**
 * Retains at most maxBytes of output: the first half and the last half, with a note in between
 * saying how much was dropped. Cuts fall on UTF-8 character boundaries.
 */
export function createOutputCapture(maxBytes: number): {
  push(text: string): void;
  finish(): { output: string; truncated: boolean };
} {
  const headLimit = Math.floor(maxBytes / 2);
  const tailLimit = maxBytes - headLimit;
  const head: Buffer[] = [];
  const tail: Buffer[] = [];
  let headBytes = 0;
  let tailBytes = 0;
  let totalBytes = 0;
  return {
    push(text) {
      let bytes = Buffer.from(text, 'utf8');
      totalBytes += bytes.length;
      if (headBytes < headLimit) {
        const take = Math.min(headLimit - headBytes, bytes.length);
        head.push(bytes.subarray(0, take));
        headBytes += take;
        bytes = bytes.subarray(take);
      }
      if (bytes.length === 0) return;
      tail.push(bytes);
      tailBytes += bytes.length;
      while (tail.length > 1 && tailBytes - tail[0]!.length >= tailLimit) {
        tailBytes -= tail.shift()!.length;
      }
    },
    finish() {
      const headBuffer = Buffer.concat(head);
      const tailBuffer = Buffer.concat(tail);
      if (totalBytes <= maxBytes) {
        return { output: Buffer.concat([headBuffer, tailBuffer]).toString('utf8'), truncated: false };
      }
      const keptHead = headBuffer.subarray(0, completeUtf8Length(headBuffer));
      let tailStart = Math.max(0, tailBuffer.length - tailLimit);
      while (tailStart < tailBuffer.length && isContinuationByte(tailBuffer[tailStart]!)) tailStart++;
      const keptTail = tailBuffer.subarray(tailStart);
      const dropped = totalBytes - keptHead.length - keptTail.length;
      // The marker of core/truncate.ts (truncationMarker), written out: this file imports nothing of ours.
      const note = `\n[… ${dropped} bytes truncated …]\n`;
      return { output: `${keptHead.toString('utf8')}${note}${keptTail.toString('utf8')}`, truncated: true };
    },
  };
}

function isContinuationByte(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

/** Length of the longest prefix that does not end inside a multi-byte character. */
function completeUtf8Length(bytes: Buffer): number {
  let start = bytes.length - 1;
  while (start >= 0 && bytes.length - start < 4 && isContinuationByte(bytes[start]!)) start--;
  if (start < 0) return bytes.length;
  const lead = bytes[start]!;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return bytes.length - start >= needed ? bytes.length : start;
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Checks that cwd is a directory and the argv is not empty, then runs the command. */
export async function startCommand(
  spec: CommandSpec,
  onOutput?: (chunk: string, stream: OutputStream) => void,
): Promise<RunningCommand> {
  if (typeof spec.command !== 'string' && spec.command.length === 0) {
    throw new OperationError('bad_input', 'empty_command', 'The command is an empty argv: pass a program.');
  }
  const cwdStat = await stat(spec.cwd).catch(() => null);
  if (!cwdStat?.isDirectory()) {
    throw new OperationError(
      'not_found',
      'cwd_not_found',
      `The working directory ${spec.cwd} does not exist.`,
    );
  }
  return runCommand(spec, onOutput);
}

/** Scheduling priority of the agent's commands (higher is nicer to others). */
export const COMMAND_NICENESS = 10;

/** What a shell adds to the environment of what it runs (busybox's ash exports SHLVL too). */
const SHELL_VARIABLES = ['PWD', 'SHLVL'];

/**
 * The argv that runs a program with an OOM score adjustment: through sh, so the value is in place
 * before the program runs (and forks) at all. sh would add PWD (and, some, SHLVL) to the environment;
 * they are removed again unless the command's environment `env` has them.
 */
export function withOomScoreAdj(
  oomScoreAdj: number,
  argv: readonly string[],
  env: Record<string, string>,
): [string, string[]] {
  const added = SHELL_VARIABLES.filter((name) => !(name in env));
  const unset = added.length === 0 ? '' : `unset ${added.join(' ')}; `;
  const script = `echo ${Math.trunc(oomScoreAdj)} > /proc/self/oom_score_adj 2>/dev/null; ${unset}exec "$@"`;
  return ['/bin/sh', ['-c', script, 'sh', ...argv]];
}

/**
 * Runs one command in its own process group. The result comes when the main process has exited and
 * its output has drained; background processes it started keep running (and their output is read
 * and dropped, so they never block on a full pipe). On timeout or abort the whole group gets SIGTERM,
 * then SIGKILL after the grace, and the result waits until the group is gone or SIGKILL was sent.
 * onOutput sees at most maxOutputBytes (the head); the result keeps head and tail.
 */
export function runCommand(
  spec: CommandSpec,
  onOutput?: (chunk: string, stream: OutputStream) => void,
): RunningCommand {
  const startedAt = performance.now();
  const [program, programArgs] =
    typeof spec.command === 'string'
      ? [spec.shell ?? 'bash', ['-c', spec.command]]
      : [spec.command[0] ?? '', spec.command.slice(1)];
  const [file, args] =
    spec.oomScoreAdj === undefined
      ? [program, programArgs]
      : withOomScoreAdj(spec.oomScoreAdj, [program, ...programArgs], spec.env);
  const capture = createOutputCapture(spec.maxOutputBytes);
  const child = spawn(file, args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: [spec.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  // A command that exits without reading its stdin makes writes fail with EPIPE: nothing to report.
  child.stdin?.on('error', () => {});
  // The agent's commands yield the CPU to drydock itself: under load (many sessions' test runs on a
  // small machine) the control plane must keep streaming events and answering requests. In a sandbox
  // the supervisor already runs at this niceness and commands inherit it; on the host (no sandbox) it
  // is set right after the spawn, which a command that forks at once may outrun.
  if (child.pid !== undefined && getPriority(0) < COMMAND_NICENESS) {
    try {
      setPriority(child.pid, COMMAND_NICENESS);
    } catch {
      // The process may already be gone; its result reports that.
    }
  }

  let streamedBytes = 0;
  let openStreams = 2;
  let exited = false;
  let drained = false;
  let killing = false;
  let killSent = false;
  let finished = false;
  let timedOut = false;
  let aborted = false;
  let exitCode: number | null = null;
  let exitSignal: string | null = null;
  const timers: NodeJS.Timeout[] = [];
  let resolveResult: (result: CommandResult) => void = () => {};
  const result = new Promise<CommandResult>((resolvePromise) => {
    resolveResult = resolvePromise;
  });

  const finish = (): void => {
    if (finished) return;
    finished = true;
    for (const timer of timers) clearTimeout(timer);
    const { output, truncated } = capture.finish();
    resolveResult({
      exitCode,
      signal: exitSignal,
      output,
      truncated,
      timedOut,
      aborted,
      durationMs: Math.round(performance.now() - startedAt),
    });
  };
  const maybeFinish = (): void => {
    if (finished || !exited) return;
    if (openStreams > 0 && !drained) return;
    // A killed group may still hold children that ignore SIGTERM: wait for the SIGKILL.
    if (killing && !killSent && signalGroup(child.pid, 0)) return;
    finish();
  };
  // Once the main process has exited, what is left of the group is background work to keep.
  const canKill = (): boolean => !finished && !killing && !exited;
  const kill = (): void => {
    if (!canKill()) return;
    killing = true;
    signalGroup(child.pid, 'SIGTERM');
    timers.push(
      setTimeout(() => {
        killSent = true;
        signalGroup(child.pid, 'SIGKILL');
        maybeFinish();
      }, spec.killGraceMs),
    );
  };

  const read = (stream: OutputStream) => {
    const decoder = new StringDecoder('utf8');
    const take = (text: string): void => {
      if (finished || text.length === 0) return;
      capture.push(text);
      if (onOutput && streamedBytes < spec.maxOutputBytes) {
        streamedBytes += Buffer.byteLength(text);
        onOutput(text, stream);
      }
    };
    const source = stream === 'stdout' ? child.stdout : child.stderr;
    // Always piped (see stdio above); the type cannot tell once stdin's choice is not a literal.
    if (source === null) throw new Error(`The command's ${stream} is not piped.`);
    source.on('data', (data: Buffer) => take(decoder.write(data)));
    source.on('end', () => take(decoder.end()));
    source.on('close', () => {
      openStreams--;
      maybeFinish();
    });
  };
  read('stdout');
  read('stderr');

  child.on('error', (error) => {
    if (child.pid !== undefined) return;
    // The program could not be started (not found, not executable): report it like a shell would.
    capture.push(`${error.message}\n`);
    exitCode = 127;
    exited = true;
    drained = true;
    finish();
  });
  child.on('exit', (code, signal) => {
    exited = true;
    exitCode = code;
    exitSignal = signal;
    timers.push(
      setTimeout(() => {
        drained = true;
        maybeFinish();
      }, DRAIN_MS),
    );
    maybeFinish();
  });
  if (spec.timeoutMs !== undefined) {
    timers.push(
      setTimeout(() => {
        timedOut = true;
        kill();
      }, spec.timeoutMs),
    );
  }

  return {
    pid: child.pid,
    result,
    abort() {
      if (!canKill()) return;
      aborted = true;
      kill();
    },
    writeStdin(data) {
      const stdin = child.stdin;
      if (stdin === null || stdin.writableEnded || stdin.destroyed) return;
      if (data === null) stdin.end();
      else stdin.write(data);
    },
  };
}

/** Kills a process group at once (used when the sandbox goes away). */
export function killProcessGroup(pid: number | undefined): void {
  signalGroup(pid, 'SIGKILL');
}

/** Whether any process of the group still exists. */
export function isProcessGroupAlive(pid: number | undefined): boolean {
  return signalGroup(pid, 0);
}

function errnoCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

function toOperationError(error: unknown, path: string): OperationError {
  const code = errnoCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ENOENT':
      return new OperationError('not_found', 'file_not_found', `Nothing exists at ${path}.`);
    case 'EISDIR':
      return new OperationError('bad_input', 'is_directory', `${path} is a directory, not a file.`);
    case 'ENOTDIR':
      return new OperationError('bad_input', 'not_directory', `A parent of ${path} is not a directory.`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new OperationError(
        'bad_input',
        'permission_denied',
        `${path} is not writable or readable here.`,
      );
    default:
      return new OperationError('internal', 'io_error', `Could not access ${path}: ${reason}`);
  }
}

export async function readFileAt(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw toOperationError(error, path);
  }
}

/** Writes the file, creating its parent directories. */
export async function writeFileAt(path: string, content: Uint8Array): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  } catch (error) {
    throw toOperationError(error, path);
  }
}

/** lstat: a symlink is reported as a symlink, never followed. Null when nothing is there. */
export async function statAt(path: string): Promise<PathStat | null> {
  try {
    const info = await lstat(path);
    const type = info.isFile()
      ? 'file'
      : info.isDirectory()
        ? 'directory'
        : info.isSymbolicLink()
          ? 'symlink'
          : 'other';
    return { type, size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw toOperationError(error, path);
  }
}

/** Entry names, sorted. */
export async function listDirAt(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch (error) {
    throw toOperationError(error, path);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export interface SupervisorOptions {
  /** Drydock's egress proxy socket: when set, 127.0.0.1:egressPort is forwarded to it (egress-forwarder.ts). */
  egressSocket?: string | undefined;
  egressPort?: number | undefined;
  /** The program shell commands run with (an image without bash: `/bin/sh`). Default `bash`. */
  shell?: string | undefined;
}

/** The supervisor's environment variable naming its shell (`SupervisorOptions.shell`); commands never see it. */
export const SUPERVISOR_SHELL_VARIABLE = 'DRYDOCK_SUPERVISOR_SHELL';

/**
 * Commands are the OOM killer's first choice (raising it needs no privilege, unlike protecting the
 * supervisor), so a memory hog dies at the sandbox's memory limit while the sandbox lives on.
 */
export const COMMAND_OOM_SCORE_ADJ = 1000;

/**
 * Serves requests from the host until stdin closes. Requests run concurrently; every message carries
 * the id of its request. The host is trusted, so checks here are only against programming errors.
 */
export async function serveSupervisor(workdir: string, options: SupervisorOptions = {}): Promise<void> {
  // Starts libuv's thread pool now: a fork bomb at the pids limit must not stop it from starting later.
  await stat(workdir).catch(() => null);
  // The whole sandbox yields the CPU to drydock: every command inherits this from its first instant.
  try {
    setPriority(0, COMMAND_NICENESS);
  } catch {
    // Not permitted here: commands still get it one by one (runCommand).
  }
  if (options.egressSocket !== undefined) {
    // Next to this file: `.mjs` in the sandbox (both mounted as plain JavaScript), `.ts` in the sources.
    const forwarder = import.meta.url.endsWith('.mjs') ? './egress-forwarder.mjs' : './egress-forwarder.ts';
    const { startEgressForwarder } = (await import(forwarder)) as typeof import('./egress-forwarder.ts');
    await startEgressForwarder(options.egressSocket, options.egressPort ?? 3128);
  }
  const running = new Map<number, RunningCommand>();
  // Execs between request and spawn, and whether an abort arrived for them meanwhile.
  const starting = new Map<number, boolean>();
  const earlyStdin = new Map<number, Array<string | null>>();
  const send = (message: SupervisorMessage): void => {
    process.stdout.write(`${JSON.stringify(message)}\n`);
  };
  const fail = (id: number, error: unknown): void => {
    const failure =
      error instanceof OperationError
        ? error
        : new OperationError(
            'internal',
            'supervisor_error',
            error instanceof Error ? error.message : String(error),
          );
    send({ type: 'error', id, kind: failure.kind, code: failure.code, message: failure.message });
  };

  const handle = async (request: SupervisorRequest): Promise<unknown> => {
    switch (request.op) {
      case 'exec': {
        starting.set(request.id, false);
        try {
          const command = await startCommand(
            {
              command: request.command,
              shell: options.shell,
              cwd: resolve(workdir, request.cwd ?? '.'),
              env: request.env,
              timeoutMs: request.timeoutMs,
              maxOutputBytes: request.maxOutputBytes,
              killGraceMs: request.killGraceMs,
              oomScoreAdj: COMMAND_OOM_SCORE_ADJ,
              stdin: request.stdin === true,
            },
            request.stream
              ? (chunk, stream) => send({ type: 'output', id: request.id, stream, chunk })
              : undefined,
          );
          running.set(request.id, command);
          for (const data of earlyStdin.get(request.id) ?? []) command.writeStdin(data);
          earlyStdin.delete(request.id);
          if (starting.get(request.id) === true) command.abort();
          return await command.result;
        } finally {
          starting.delete(request.id);
          running.delete(request.id);
          earlyStdin.delete(request.id);
        }
      }
      case 'stdin': {
        const data = request.end === true ? null : (request.data ?? '');
        const command = running.get(request.id);
        if (command) command.writeStdin(data);
        // Sent before the command was spawned (the host does not wait): kept until it is.
        else if (starting.has(request.id))
          earlyStdin.set(request.id, [...(earlyStdin.get(request.id) ?? []), data]);
        return undefined;
      }
      case 'abort':
        if (starting.has(request.id)) starting.set(request.id, true);
        running.get(request.id)?.abort();
        return undefined;
      case 'readFile':
        return (await readFileAt(resolve(workdir, request.path))).toString('base64');
      case 'writeFile':
        await writeFileAt(resolve(workdir, request.path), Buffer.from(request.base64, 'base64'));
        return null;
      case 'stat':
        return await statAt(resolve(workdir, request.path));
      case 'listDir':
        return await listDirAt(resolve(workdir, request.path));
    }
  };

  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      process.stderr.write(`supervisor: ignoring a line that is not JSON\n`);
      return;
    }
    if (!isRecord(request) || typeof request.id !== 'number' || typeof request.op !== 'string') {
      process.stderr.write(`supervisor: ignoring a malformed request\n`);
      return;
    }
    const typed = request as SupervisorRequest;
    handle(typed).then(
      (value) => {
        if (typed.op !== 'abort' && typed.op !== 'stdin')
          send({ type: 'result', id: typed.id, value: value ?? null });
      },
      (error: unknown) => fail(typed.id, error),
    );
  });
  // The host went away: take every command with us.
  lines.on('close', () => {
    for (const command of running.values()) killProcessGroup(command.pid);
    process.exit(0);
  });
  send({ type: 'ready', pid: process.pid });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // argv: workdir [egress socket [egress port]]
  const [, , workdir = '/workspace', egressSocket, egressPort] = process.argv;
  serveSupervisor(workdir, {
    shell: process.env[SUPERVISOR_SHELL_VARIABLE],
    egressSocket,
    egressPort: egressPort === undefined ? undefined : Number(egressPort),
  }).catch((error: unknown) => {
    process.stderr.write(
      `supervisor: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
