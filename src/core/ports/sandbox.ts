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
  /**
   * Written to the command's stdin as it yields (a long-running program spoken to over its stdin and
   * stdout, with `onOutput`: an MCP server); stdin closes when it ends. Absent: stdin is empty. A
   * command that exits first drops what is still to come; the iterable is not drained.
   */
  stdin?: AsyncIterable<string>;
  /** Keep at most this many bytes of combined output; the rest is dropped with a note. Default 1 MiB. */
  maxOutputBytes?: number;
  /**
   * `services`: run it where the agent's commands cannot see its processes (a PID namespace of its own,
   * so no `/proc/<pid>/environ` of a service started with secrets), sharing the workspace and the
   * network (loopback) but not /tmp. Providers that cannot separate them (see
   * `SandboxCapabilities.separateServices`) run it with the agent's commands. Default `agent`.
   */
  compartment?: 'agent' | 'services';
  /**
   * With `compartment: 'services'`: the host path the services compartment mounts as its workspace, when
   * this exec starts it (its first), instead of the agent's workspace: a tree of the services' own.
   */
  servicesWorkspace?: string;
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
  /**
   * True when the sandbox's memory limit killed one of its processes while this command ran (most
   * likely the command itself: look at `signal`, or exit code 137 from a shell). Only sandboxes whose
   * memory limit is a cgroup can tell; absent when unknown.
   */
  oomKilled?: boolean;
  /**
   * True when the workspace's disk quota was full when the command ended; `output` then ends with a
   * note saying so and what to do. Absent where the workspace has no quota.
   */
  diskFull?: boolean;
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
  /** Stops every process of the sandbox (and releases its cgroups, proxy and so on). Idempotent. */
  destroy(): Promise<void>;
  /**
   * The limits this sandbox enforces and the mechanism enforcing them, so drydock can say which one is
   * in force. Real providers always set it; absent only on fakes that enforce nothing.
   */
  readonly limits?: SandboxLimitsInForce;
}

/**
 * Resource limits of one sandbox, all optional. Defaults (DEFAULT_SANDBOX_LIMITS in src/sandbox):
 * 4 GiB memory, 1024 pids, 2 cpus, 2 h wall time, 1 GiB /tmp, 10 GiB disk. A provider enforces what its mechanism
 * can and reports the rest as null in `Sandbox.limits`; invalid values reject create() with bad_input.
 */
export interface SandboxLimits {
  /** Memory of all processes together (resident memory, page cache, files in /tmp). */
  memoryBytes?: number;
  /** Processes and threads together, the supervisor's included (it uses about a dozen). */
  pids?: number;
  /** CPU time per wall-clock time, in cores: 0.5 is half a core, 2 is two full cores. */
  cpus?: number;
  /**
   * Lifetime of the sandbox from create(): then every process in it is killed, pending calls reject
   * and later calls reject with an UnavailableError of code `sandbox_wall_time`. Enforced by drydock
   * itself, so on every provider.
   */
  wallTimeMs?: number;
  /** Size of the sandbox's private /tmp (and of its /dev/shm), tmpfs: writes past it fail with ENOSPC. */
  tmpBytes?: number;
  /**
   * Disk quota of the workspace's writable part (default 10 GiB where drydock applies one). Enforced by
   * whoever makes the workspace, not by the provider: drydock's layered workspaces, and clones made
   * with a disk limit, put it on a file system of this size; writes past it fail with ENOSPC.
   */
  diskBytes?: number;
}

/** How a sandbox enforces its limits, strongest first. `rlimit` limits are per process, not per sandbox. */
export type LimitMechanism = 'cgroup-v2' | 'cgroup-v1' | 'rlimit' | 'none';

/**
 * How a workspace's disk quota is enforced: `loop-ext4` is an ext4 file system in a sparse image file
 * of the quota's size, loop-mounted under the writable part; `none` says why there is no quota.
 */
export type DiskQuotaInForce =
  | { mechanism: 'loop-ext4'; image: string }
  | { mechanism: 'none'; reason: string };

/** The limits a sandbox actually enforces. A null limit is not enforced by this sandbox. */
export interface SandboxLimitsInForce {
  mechanism: LimitMechanism;
  memoryBytes: number | null;
  pids: number | null;
  cpus: number | null;
  wallTimeMs: number | null;
  tmpBytes: number | null;
  /** The workspace's disk quota (see `disk` for how, or why not). */
  diskBytes: number | null;
  disk: DiskQuotaInForce;
}

/**
 * One allowlisted destination. `host` is a name or an IP address, compared case-insensitively, or
 * `*.example.org` for any subdomain of example.org (not example.org itself). Without a port a rule
 * allows 443 for CONNECT (https and other tunnels) and 80 for plain http requests.
 */
export interface EgressRule {
  host: string;
  port?: number;
}

/** A connection the proxy refused: the host as the command asked for it (lowercased), and the port. */
export interface EgressAttempt {
  host: string;
  port: number;
}

/**
 * Network egress of a sandbox. Without it a sandbox has no network at all (its own loopback only).
 * With it, commands reach the allowlisted hosts through an HTTP(S) proxy that drydock runs outside
 * the sandbox; `HTTP_PROXY`, `HTTPS_PROXY` (and lowercase) point at it, `NO_PROXY` covers loopback.
 * Everything else is still unreachable, proxy or not.
 */
export interface SandboxNetwork {
  allow: readonly EgressRule[];
  /** Called for every refused attempt (synchronously, from the proxy; exceptions are ignored). */
  onBlocked?: (attempt: EgressAttempt) => void;
}

/**
 * An image's root file system as the sandbox's `/`, instead of the host's read-only system: any
 * toolchain the image has, none of the host's. drydock unpacked it once, read-only, into a directory
 * on the host; the workspace, /proc, /dev, /tmp and drydock's own pieces are mounted over it as on the
 * host root.
 */
export interface SandboxRoot {
  /** Host path of the unpacked root file system (the image's `/`); never written to. */
  path: string;
  /** What the log and errors call it: the image reference and its digest. */
  label: string;
  /** The image's own environment (its `ENV`: PATH, JAVA_HOME, …), under the spec's `env`. */
  env?: Record<string, string>;
}

export interface SandboxSpec {
  sessionId: string;
  /** The image root the sandbox runs on; absent: the host's system, read-only. */
  root?: SandboxRoot;
  /** Host path of the workspace to mount at `workdir`. */
  workspacePath: string;
  /** Host paths under the workspace to mount read-only (e.g. `.git`). Relative to the workspace. */
  readOnlyPaths?: readonly string[];
  /** Base environment for every command. */
  env?: Record<string, string>;
  /** Resource limits; see SandboxLimits for the defaults. */
  limits?: SandboxLimits;
  /** Allowlisted network egress through drydock's proxy. Default: no network at all. */
  network?: SandboxNetwork;
}

/** A user and group on the host, by id. */
export interface HostUser {
  uid: number;
  gid: number;
}

export interface SandboxCapabilities {
  /** Name shown to the user (`bubblewrap`, `host`, `none`). */
  name: string;
  /**
   * The host user the sandbox's processes run as, so the owner of what the agent creates in its
   * workspace. Absent: drydock's own user.
   */
  hostUser?: HostUser;
  isolated: boolean;
  /** Whether commands can reach the network without any allowlist. */
  network: boolean;
  /** Whether the provider enforces `SandboxSpec.network` allowlists. Absent means no. */
  egressAllowlist?: boolean;
  /** What the user gives up with this provider, for the CLI to print loudly on every run. */
  warning?: string;
  /** Whether `exec(…, { compartment: 'services' })` hides the processes it starts from the agent's. */
  separateServices?: boolean;
}

/** A program drydock itself runs over a workspace (its own git), as a command line. */
export interface HostCommand {
  file: string;
  args: readonly string[];
  /** Working directory, a host path. */
  cwd: string;
  /** The program's whole environment: nothing of drydock's own is added. */
  env: Record<string, string>;
}

/** Host paths a confined program sees (at the same paths); nothing else of the host but a read-only system. */
export interface ConfinedPaths {
  writable: readonly string[];
  readable?: readonly string[];
}

/**
 * Confines the programs drydock runs over a tree that the agent or a repository's setup wrote: its own
 * git, which reads attributes, ignore files and nested repositories out of that tree. Confined, such a
 * program sees a read-only system and the paths it is given, no network, no other process and only the
 * environment it is given, so nothing the tree makes it do reaches the host.
 */
export interface HostCommandConfinement {
  /** False when `wrap` returns the command as it is (a provider without isolation). */
  readonly isolated: boolean;
  /** The command line that runs `command` confined to `paths`. */
  wrap(command: HostCommand, paths: ConfinedPaths): Promise<HostCommand>;
}

export interface SandboxProvider {
  readonly capabilities: SandboxCapabilities;
  /** How drydock's own programs run over a workspace (see HostCommandConfinement). */
  readonly confinement: HostCommandConfinement;
  /** Throws an UnavailableError naming the cause and the fix when this provider cannot run here. */
  check(): Promise<void>;
  create(spec: SandboxSpec): Promise<Sandbox>;
  /**
   * Stops what the provider keeps between creates (started spare sandboxes): none may outlive the
   * process. Sandboxes it created are their owners' to destroy. Idempotent; optional.
   */
  close?(): Promise<void>;
}

/**
 * A frozen workspace: the ids of its immutable layers, bottom first (the base checkout, then one layer
 * per snapshot). Plain JSON, so a session checkpoint can hold it; restoring it anywhere the layers are
 * stored gives the same tree.
 */
export interface WorkspaceSnapshot {
  layers: string[];
}

/**
 * How a layered workspace is put together: `overlay` mounts the layers with overlayfs under a fresh
 * writable layer (snapshots cost what changed); `copy` is the fallback where overlayfs cannot be
 * mounted (not root, no overlay support): a plain directory copied from the layers, and snapshots are
 * full copies, costing the workspace's size.
 */
export type WorkspaceMode = 'overlay' | 'copy';

/** A sandbox on a layered workspace that can freeze its workspace. */
export interface SnapshottingSandbox extends Sandbox {
  readonly workspaceMode: WorkspaceMode;
  /** Host path of the workspace (the merged view): drydock's own git runs here. */
  readonly hostWorkspacePath: string;
  /** The layers of the latest snapshot (at first, the stack it started on), bottom first. */
  readonly stack: readonly string[];
  /**
   * Freezes the writable layer into a new immutable, content-addressed layer and returns the stack a
   * restore would start from; when nothing changed, the same one. Call it between turns: a file being
   * written meanwhile may be caught half-written. Whether processes survive depends on the provider
   * (drydock's layered sandboxes keep them by default; a `restart` mode stops and restarts them).
   */
  snapshot(): Promise<WorkspaceSnapshot>;
}

export interface LayeredSandboxProvider {
  readonly workspaceMode: WorkspaceMode;
  /** Starts a sandbox on the snapshot's layers with a fresh writable layer: a restore. */
  start(snapshot: WorkspaceSnapshot, spec: Omit<SandboxSpec, 'workspacePath'>): Promise<SnapshottingSandbox>;
}
