/**
 * The hands: a sandbox runs commands and file operations for one session, through this narrow API.
 * Paths are relative to the workspace root (or absolute inside the sandbox); the sandbox enforces
 * that nothing outside it is reachable. One long-lived sandbox per session, so background processes
 * survive between tool calls.
 */
export interface ExecOptions {
  /** Working directory relative to the workspace root. Default: the root. */
  cwd?: string;
  /** The complete environment of the command: nothing from the host leaks in. Merged over the sandbox's base env. */
  env?: Record<string, string>;
  /** Kill the whole process tree after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with output as it arrives. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Keep at most this many bytes of combined output; the rest is dropped with a note. Default 1 MiB. */
  maxOutputBytes?: number;
}

export interface ExecResult {
  /** Exit code, or null when killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  /** stdout and stderr interleaved in arrival order. */
  output: string;
  /** True when output was cut at maxOutputBytes. */
  truncated: boolean;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

export interface FileStat {
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mtimeMs: number;
}

export interface Sandbox {
  readonly id: string;
  /** The workspace root as the sandboxed process sees it (e.g. `/workspace`). */
  readonly workdir: string;
  /** Run a shell command (`bash -c`) or argv. Never throws for a failing command: see ExecResult. */
  exec(command: string | readonly string[], options?: ExecOptions): Promise<ExecResult>;
  readFile(path: string): Promise<Buffer>;
  /** Writes the file, creating parent directories. */
  writeFile(path: string, content: string | Uint8Array): Promise<void>;
  /** Null when nothing is at the path. */
  stat(path: string): Promise<FileStat | null>;
  /** Entries of a directory, names only, sorted. */
  listDir(path: string): Promise<string[]>;
  /** Stops every process of the sandbox. Idempotent. */
  destroy(): Promise<void>;
}

export interface SandboxSpec {
  sessionId: string;
  /** Host path of the workspace to mount at `workdir`. */
  workspacePath: string;
  /** Host paths under the workspace to mount read-only (e.g. `.git`). Relative to the workspace. */
  readOnlyPaths?: readonly string[];
  /** Base environment for every command. */
  env?: Record<string, string>;
}

export interface SandboxCapabilities {
  /** Name shown to the user (`bubblewrap`, `host`). */
  name: string;
  isolated: boolean;
  network: boolean;
}

export interface SandboxProvider {
  readonly capabilities: SandboxCapabilities;
  /** Throws an UnavailableError naming the cause and the fix when this provider cannot run here. */
  check(): Promise<void>;
  create(spec: SandboxSpec): Promise<Sandbox>;
}
