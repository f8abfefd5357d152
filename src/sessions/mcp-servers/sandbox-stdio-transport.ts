import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ExecOptions, ExecResult, Sandbox } from '../../core/ports/sandbox.ts';

/**
 * What a stdio server's process may print (its answers and its logs) before drydock stops
 * listening: past it the server's answers no longer arrive and its calls time out.
 */
export const MAX_STDIO_SERVER_OUTPUT_BYTES = 64 * 1024 * 1024;
const STDERR_TAIL_CHARS = 2000;

/** Lines for a process's stdin, queued by the sender and taken by the sandbox as it writes them. */
class LineQueue implements AsyncIterable<string> {
  #lines: string[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  push(line: string): void {
    if (this.#ended) return;
    this.#lines.push(line);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) {
        yield line;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}

export interface SandboxStdioOptions {
  /** The server's environment (its secrets), over the sandbox's. */
  env?: Record<string, string>;
  compartment?: ExecOptions['compartment'];
  servicesWorkspace?: string | undefined;
}

/**
 * An MCP client transport to a server that runs inside the session's sandbox: the server is one exec
 * (argv, no shell) with its stdin fed by `send` and its stdout read as JSON-RPC lines, so it lives under
 * the sandbox's isolation and network policy like any command. Its stderr is kept (the tail) for
 * diagnostics. Closing ends its stdin and stops it.
 */
export class SandboxStdioTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;

  readonly #sandbox: Sandbox;
  readonly #command: readonly string[];
  readonly #options: SandboxStdioOptions;
  readonly #stdin = new LineQueue();
  readonly #abort = new AbortController();
  readonly #buffer = new ReadBuffer();
  #stderr = '';
  #running: Promise<ExecResult | null> | undefined;

  constructor(sandbox: Sandbox, command: readonly string[], options: SandboxStdioOptions = {}) {
    this.#sandbox = sandbox;
    this.#command = command;
    this.#options = options;
  }

  /** The end of what the server wrote to stderr. */
  get stderrTail(): string {
    return this.#stderr;
  }

  async start(): Promise<void> {
    if (this.#running) throw new Error('SandboxStdioTransport already started.');
    const { env, compartment, servicesWorkspace } = this.#options;
    this.#running = this.#sandbox
      .exec(this.#command, {
        stdin: this.#stdin,
        signal: this.#abort.signal,
        maxOutputBytes: MAX_STDIO_SERVER_OUTPUT_BYTES,
        onOutput: (chunk, stream) => (stream === 'stdout' ? this.#read(chunk) : this.#keepStderr(chunk)),
        ...(env ? { env } : {}),
        ...(compartment ? { compartment } : {}),
        ...(servicesWorkspace === undefined ? {} : { servicesWorkspace }),
      })
      .then(
        (result) => {
          if (!this.#abort.signal.aborted) {
            const how = result.exitCode === null ? `signal ${result.signal}` : `exit code ${result.exitCode}`;
            this.onerror?.(new Error(`the server ended (${how})${this.#stderrNote()}`));
          }
          return result;
        },
        (error: unknown) => {
          this.onerror?.(error instanceof Error ? error : new Error(String(error)));
          return null;
        },
      )
      .finally(() => {
        this.#stdin.end();
        this.onclose?.();
      });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.#stdin.push(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.#stdin.end();
    this.#abort.abort();
    await this.#running;
  }

  #read(chunk: string): void {
    this.#buffer.append(Buffer.from(chunk, 'utf8'));
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.#buffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a server logging to stdout): skip it, as the SDK's stdio client does.
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  #keepStderr(chunk: string): void {
    this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
  }

  #stderrNote(): string {
    const tail = this.#stderr.trim();
    return tail === '' ? '' : `: ${tail.split('\n').slice(-5).join('\n')}`;
  }
}
