import type { ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { DrydockError } from '../core/errors.ts';
import { operationFailure, sandboxDestroyed, sandboxDied } from './sandbox-errors.ts';
import type { OutputStream, SupervisorRequest } from './supervisor.ts';
import { supervisorMessageSchema } from './supervisor-protocol.ts';

/** A request without its id: the connection numbers them. */
export type SupervisorCall = SupervisorRequest extends infer R
  ? R extends unknown
    ? Omit<R, 'id'>
    : never
  : never;

export interface CallOptions {
  onOutput?: ((chunk: string, stream: OutputStream) => void) | undefined;
  /** Aborting sends an abort for this request (meaningful for exec). */
  signal?: AbortSignal | undefined;
  /** Fed to the request's stdin (`stdin` requests with its id) as it yields; its end closes that stdin. */
  stdin?: AsyncIterable<string> | undefined;
  /** When no answer comes within this long, the supervisor is taken for hung: the sandbox is killed. */
  deadlineMs?: number | undefined;
}

export interface SupervisorConnection {
  /** The host pid of the sandbox process (bwrap). */
  readonly pid: number | undefined;
  /** Resolves when the supervisor reports ready; rejects when the process ends or fails first. */
  readonly ready: Promise<void>;
  /** Resolves when the sandbox process has ended, however it ended. */
  readonly exited: Promise<void>;
  /** Resolves with the supervisor's answer; rejects with a typed error, never hangs. */
  call(request: SupervisorCall, options?: CallOptions): Promise<unknown>;
  /** Stops the sandbox process (and every process in it) and waits for it to exit. Later calls reject. Idempotent. */
  close(): Promise<void>;
  /** Rejects every pending and later call with this error and kills the sandbox process at once. */
  abandon(error: DrydockError): Promise<void>;
  /** The end of the sandbox's stderr, for diagnostics. */
  stderrTail(): string;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: DrydockError): void;
  onOutput: CallOptions['onOutput'];
  cleanup(): void;
}

const STDERR_TAIL_CHARS = 4000;
/** How long destroy() waits for the supervisor to exit on its own before killing the sandbox. */
const CLOSE_GRACE_MS = 1000;

/**
 * Speaks the supervisor's JSON-lines protocol over a child's stdin and stdout. When the child exits
 * (or misbehaves), every pending and later call rejects with a `sandbox_died` error.
 */
export function connectSupervisor(
  child: ChildProcessByStdio<Writable, Readable, Readable>,
  sandboxId: string,
): SupervisorConnection {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: DrydockError | undefined;
  let stderr = '';
  let resolveReady: () => void = () => {};
  let rejectReady: (error: DrydockError) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Callers may never await ready (a sandbox that dies later); the rejection is also seen by calls.
  ready.catch(() => {});
  let resolveExited: () => void = () => {};
  const exited = new Promise<void>((resolve) => {
    resolveExited = resolve;
  });
  let closing: Promise<void> | undefined;

  const fail = (error: DrydockError): void => {
    failure ??= error;
    rejectReady(failure);
    for (const entry of pending.values()) {
      entry.cleanup();
      entry.reject(failure);
    }
    pending.clear();
  };
  const terminate = (error: DrydockError): void => {
    fail(error);
    child.kill('SIGKILL');
  };
  const write = (message: SupervisorRequest): void => {
    child.stdin.write(`${JSON.stringify(message)}\n`);
  };
  /** Until the request is answered (or the sandbox fails): later chunks have no process to go to. */
  const pumpStdin = async (id: number, source: AsyncIterable<string>): Promise<void> => {
    try {
      for await (const data of source) {
        if (!pending.has(id)) return;
        write({ id, op: 'stdin', data });
      }
    } catch {
      // A failing source closes the stdin like an ending one.
    }
    if (pending.has(id)) write({ id, op: 'stdin', end: true });
  };

  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  // Writes after the process died fail with EPIPE; the exit handler reports the death.
  child.stdin.on('error', () => {});
  child.on('error', (error) => {
    if (child.pid !== undefined) return;
    fail(sandboxDied(sandboxId, `the sandbox process could not start: ${error.message}`, error));
    resolveExited();
  });
  child.on('exit', (code, signal) => {
    const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
    const detail = stderr.trim() === '' ? '' : `: ${stderr.trim()}`;
    fail(sandboxDied(sandboxId, `the sandbox process ended with ${how}${detail}`));
    resolveExited();
  });

  const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    const message = supervisorMessageSchema.safeParse(parsed);
    if (!message.success) {
      terminate(sandboxDied(sandboxId, 'the supervisor sent a message that is not part of the protocol'));
      return;
    }
    const data = message.data;
    if (data.type === 'ready') {
      resolveReady();
      return;
    }
    const entry = pending.get(data.id);
    if (entry === undefined) return;
    if (data.type === 'output') {
      entry.onOutput?.(data.chunk, data.stream);
      return;
    }
    pending.delete(data.id);
    entry.cleanup();
    if (data.type === 'result') entry.resolve(data.value);
    else entry.reject(operationFailure(data.kind, data.code, data.message));
  });

  return {
    pid: child.pid,
    ready,
    exited,
    call(request, options = {}) {
      if (failure !== undefined) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<unknown>((resolve, reject) => {
        const { signal, deadlineMs } = options;
        const onAbort = (): void => write({ id, op: 'abort' });
        const timer =
          deadlineMs === undefined
            ? undefined
            : setTimeout(
                () =>
                  terminate(sandboxDied(sandboxId, `the supervisor did not answer within ${deadlineMs} ms`)),
                deadlineMs,
              );
        signal?.addEventListener('abort', onAbort, { once: true });
        pending.set(id, {
          resolve,
          reject,
          onOutput: options.onOutput,
          cleanup() {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
          },
        });
        write({ ...request, id } as SupervisorRequest);
        if (options.stdin !== undefined) void pumpStdin(id, options.stdin);
        // Aborted before the listener was added (the caller awaited something first): the event never
        // comes, so abort now; the supervisor stops a command it is still starting.
        if (signal?.aborted) onAbort();
      });
    },
    close() {
      closing ??= (async () => {
        // Later calls say destroyed, even when the sandbox had died before.
        const destroyed = sandboxDestroyed(sandboxId);
        fail(destroyed);
        failure = destroyed;
        // Ending stdin makes the supervisor kill its commands and exit, which ends the sandbox's PID
        // namespace and every process in it. SIGKILL the sandbox only if the supervisor does not go.
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
    async abandon(error) {
      terminate(error);
      await exited;
    },
    stderrTail: () => stderr,
  };
}
