import { randomBytes } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { IdGenerator } from '../core/ports/ids.ts';
import { cached } from './cached.ts';
import { DEFAULT_KILL_GRACE_MS } from './exec-limits.ts';
import { findBubblewrap } from './find-bubblewrap.ts';
import { findExecutable } from './find-executable.ts';
import { type HostLayout, readHostLayout } from './host-layout.ts';
import { detectLimitEnvironment } from './limit-detection.ts';
import type { LimitEnvironment } from './limit-plan.ts';
import { type NodeRuntime, resolveNodeRuntime } from './node-runtime.ts';
import { plainScript, privateFile } from './plain-script.ts';
import { sandboxUser } from './sandbox-user.ts';
import { buildSeccompFilter, seccompArch } from './seccomp-filter.ts';
import { createUserSwitch, type UserSwitch } from './user-switch.ts';

export interface BubblewrapContextOptions {
  /** The bwrap binary. Default: `bwrap` from PATH. */
  bwrapPath?: string;
  /** Time between SIGTERM and SIGKILL when a command times out or is aborted. Default 2 s. */
  killGraceMs?: number;
  /** How long a new sandbox may take to report ready. Default 10 s. */
  startTimeoutMs?: number;
  /** How long the supervisor may leave a request unanswered (beyond an exec's timeout) before the sandbox is taken for hung. Default 60 s. */
  responseTimeoutMs?: number;
  /** Sandbox ids. Default: random. */
  ids?: IdGenerator;
  /** What the machine offers to enforce limits with. Default: detected once (limit-detection.ts). */
  limitEnvironment?: () => Promise<LimitEnvironment>;
  /** The Node binary the supervisor runs on. Default: the one drydock runs on. */
  nodePath?: string;
  /**
   * Told what is worth knowing but no reason to refuse a sandbox (an image without git, which the
   * agent's tools then do without). Default: written to stderr.
   */
  warn?: (message: string) => void;
}

/**
 * What every sandbox of one bubblewrap provider starts from: its settings, and what it looks up on
 * the host once (each lookup on first use, a failed one tried again: cached.ts).
 */
export interface BubblewrapContext {
  readonly killGraceMs: number;
  readonly startTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly ids: IdGenerator;
  /** Who the sandboxes run as on the host, and how bubblewrap reaches drydock's files as that user. */
  readonly users: UserSwitch;
  /** Warns with `message` the first time `key` comes up (one warning per image, say). */
  warnOnce(key: string, message: string): void;
  /** The bwrap binary's path; throws bubblewrap_missing. */
  bubblewrap(): Promise<string>;
  hostLayout(): Promise<HostLayout>;
  /** The real path of the Node binary the supervisor runs on. */
  nodeBinary(): Promise<string>;
  /** What that Node needs on an image root. */
  nodeRuntime(): Promise<NodeRuntime>;
  /** The supervisor as plain JavaScript. */
  supervisorPath(): Promise<string>;
  /** The egress forwarder as plain JavaScript. */
  forwarderPath(): Promise<string>;
  limitEnvironment(): Promise<LimitEnvironment>;
  /** The seccomp filter's file, opened by each launcher for bubblewrap; null where drydock has no filter. */
  seccompFile(): Promise<string | null>;
  /** nsenter, which services use to join the agent's network namespace: null unless drydock is root. */
  nsenterPath(): Promise<string | null>;
}

const randomIds: IdGenerator = { next: () => randomBytes(6).toString('hex') };

export function createBubblewrapContext(options: BubblewrapContextOptions = {}): BubblewrapContext {
  const nodeBinary = cached(() => realpath(options.nodePath ?? process.execPath));
  const warn = options.warn ?? ((message: string) => process.stderr.write(`drydock: ${message}\n`));
  const warned = new Set<string>();
  return {
    killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
    startTimeoutMs: options.startTimeoutMs ?? 10_000,
    responseTimeoutMs: options.responseTimeoutMs ?? 60_000,
    ids: options.ids ?? randomIds,
    users: createUserSwitch(sandboxUser()),
    warnOnce(key, message) {
      if (warned.has(key)) return;
      warned.add(key);
      warn(message);
    },
    bubblewrap: cached(() => findBubblewrap(options.bwrapPath ?? 'bwrap')),
    hostLayout: cached<HostLayout>(readHostLayout),
    nodeBinary,
    // Resolved once, and only when an image asks for it.
    nodeRuntime: cached(async () => resolveNodeRuntime(await nodeBinary())),
    // Plain JavaScript in the sandbox: Node starts it without initializing its type stripper first.
    supervisorPath: cached(() => plainScript(fileURLToPath(new URL('./supervisor.ts', import.meta.url)))),
    forwarderPath: cached(() =>
      plainScript(fileURLToPath(new URL('./egress-forwarder.ts', import.meta.url))),
    ),
    limitEnvironment: cached(options.limitEnvironment ?? detectLimitEnvironment),
    // Written once per process.
    seccompFile: cached(async () => {
      const arch = seccompArch();
      return arch === null ? null : privateFile('seccomp', '.bpf', buildSeccompFilter(arch));
    }),
    // Entering the agent sandbox's network namespace takes root; without it services run beside the agent.
    nsenterPath: cached(async () => (process.getuid?.() === 0 ? await findExecutable('nsenter') : null)),
  };
}
