import { BadInputError, InternalError } from '../core/errors.ts';
import type {
  EgressAttempt,
  HostCommandConfinement,
  Sandbox,
  SandboxProvider,
  SandboxRoot,
} from '../core/ports/sandbox.ts';
import type { EnvironmentImage, EnvironmentImageRoot, Store } from '../core/ports/store.ts';
import { createStreamingRedactor } from '../core/streaming-redactor.ts';
import { workspaceGit } from '../forge/workspace-git.ts';
import type { EnvironmentPlan } from './environment-plan.ts';
import type { LayeredSandboxes } from './layered-sandbox.ts';
import { describeNodeMismatch, nodeMismatches } from './node-requirements.ts';
import type { Redact } from './redactor.ts';
import { explainSetupFailure } from './setup-failure-explanation.ts';
import { excludeSetupOutputs } from './setup-outputs.ts';

/** One setup command may run this long. */
export const SETUP_COMMAND_TIMEOUT_MS = 30 * 60_000;
const LOG_LIMIT = 2_000_000;
const TAIL_LINES = 25;

export interface BuildImageOptions {
  store: Store;
  sandboxes: LayeredSandboxes;
  /** How drydock's git runs over what setup wrote. */
  confinement: HostCommandConfinement;
  repo: string;
  commit: string;
  /** The base checkout layer at `commit`. */
  baseLayer: string;
  plan: EnvironmentPlan;
  inputsHash: string;
  runtimeVersion: string;
  /** The image root setup runs on, and what the environment image records of it; absent: the host's system. */
  root?: SandboxRoot;
  imageRoot?: EnvironmentImageRoot;
  /** The setup phase's secrets as environment variables. */
  secretEnv: Record<string, string>;
  redact: Redact;
  /** Setup output as it arrives, redacted. */
  onOutput?: (text: string) => void;
  /** Before each command. */
  onCommand?: (command: string, index: number, total: number) => void | Promise<void>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface BuiltImage {
  image: EnvironmentImage;
  /** Everything setup printed, redacted (the tail when it was long). */
  log: string;
}

/**
 * Builds an environment image: a sandbox on the base checkout layer, with network to the setup hosts
 * only, runs the setup commands one after another; their changes (node_modules, say) become the
 * setup layer. Only when every command succeeds is the image published (stored). A failing command
 * throws `setup_failed` with the tail of the log, and nothing is published.
 */
export async function buildEnvironmentImage(options: BuildImageOptions): Promise<BuiltImage> {
  const { plan, redact } = options;
  const blocked: EgressAttempt[] = [];
  const started = Date.now();
  const sandbox = await options.sandboxes.start(
    { layers: [options.baseLayer] },
    {
      sessionId: `env-${options.inputsHash.slice(0, 12)}`,
      ...(options.root ? { root: options.root } : {}),
      readOnlyPaths: ['.git'],
      limits: plan.limits,
      ...(plan.network.setup.length > 0
        ? { network: { allow: plan.network.setup, onBlocked: (attempt) => blocked.push(attempt) } }
        : {}),
    },
  );
  try {
    const { log } = await runSetupCommands(sandbox, {
      plan,
      redact,
      secretEnv: options.secretEnv,
      blocked,
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
      ...(options.onCommand ? { onCommand: options.onCommand } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    await excludeSetupOutputs(workspaceGit(sandbox.hostWorkspacePath, options.confinement));
    const snapshot = await sandbox.snapshot();
    if (snapshot.layers[0] !== options.baseLayer) {
      throw new InternalError('image_stack_mismatch', 'The setup snapshot does not start at the base layer.');
    }
    const image = await options.store.saveEnvironment({
      repo: options.repo,
      inputsHash: options.inputsHash,
      runtimeVersion: options.runtimeVersion,
      commit: options.commit,
      layers: [...snapshot.layers],
      setup: [...plan.setup],
      setupMs: Date.now() - started,
      imageRoot: options.imageRoot ?? null,
    });
    return { image, log };
  } finally {
    await sandbox.destroy().catch(() => {});
  }
}

export interface SetupRunOptions {
  plan: EnvironmentPlan;
  redact: Redact;
  secretEnv: Record<string, string>;
  /** Filled with the connections the egress proxy refused (pass the same array as onBlocked's). */
  blocked: EgressAttempt[];
  onOutput?: (text: string) => void;
  onCommand?: (command: string, index: number, total: number) => void | Promise<void>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Runs the plan's setup commands in `sandbox`, one after another. First, when the repository says
 * which Node it needs, notes in the log where the sandbox's Node does not satisfy it. Throws
 * `setup_failed` at the first command that fails: the command, how it failed, the likely cause read
 * from its output (explainSetupFailure), the hosts the proxy refused and the redacted tail.
 */
export async function runSetupCommands(
  sandbox: Sandbox,
  options: SetupRunOptions,
): Promise<{ log: string; durationMs: number }> {
  const { plan, blocked } = options;
  const started = Date.now();
  let log = '';
  // The running command's output alone, which a failure is explained from: all of it the log keeps
  // (npm ci says why at the top, then prints 90 lines of usage).
  let output = '';
  // Output arrives in chunks: a secret split between two must not reach the log in pieces.
  const stream = createStreamingRedactor(options.redact);
  const emit = (clean: string) => {
    if (clean === '') return;
    log = (log + clean).slice(-LOG_LIMIT);
    output = (output + clean).slice(-LOG_LIMIT);
    options.onOutput?.(clean);
  };
  const append = (text: string) => emit(stream.push(text));
  const node = await checkNode(sandbox, plan, options.signal);
  if (node.mismatch !== null) append(`# ${node.mismatch}\n`);
  for (const [index, command] of plan.setup.entries()) {
    await options.onCommand?.(command, index, plan.setup.length);
    append(`$ ${command}\n`);
    output = '';
    const result = await sandbox.exec(command, {
      env: { ...options.secretEnv, CI: 'true' },
      timeoutMs: options.timeoutMs ?? SETUP_COMMAND_TIMEOUT_MS,
      maxOutputBytes: 64 * 1024,
      onOutput: (chunk) => append(chunk),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    emit(stream.flush());
    if (result.exitCode !== 0) {
      const how = result.aborted
        ? 'was cancelled'
        : result.timedOut
          ? `timed out after ${Math.round(result.durationMs / 1000)} s`
          : `exited with ${result.exitCode === null ? `signal ${result.signal}` : `code ${result.exitCode}`} after ${(result.durationMs / 1000).toFixed(1)} s`;
      const hosts = [...new Set(blocked.map((attempt) => `${attempt.host}:${attempt.port}`))];
      const explained =
        result.aborted || result.timedOut
          ? null
          : explainSetupFailure({
              output,
              exitCode: result.exitCode,
              signal: result.signal ?? null,
              blockedHosts: hosts,
              packageManager: plan.packageManager,
              nodeMismatch: node.mismatch,
              nodeVersion: node.version,
              // A config without `setup:` runs detected setup (then a package manager is named).
              source: plan.source === 'config' && plan.packageManager === null ? 'config' : 'detected',
            });
      throw new BadInputError(
        'setup_failed',
        setupFailure(command, how, index, plan, log, hosts, explained?.text ?? null),
        { details: { log: tail(log, TAIL_LINES), ...(explained ? { cause: explained.cause } : {}) } },
      );
    }
  }
  return { log, durationMs: Date.now() - started };
}

/**
 * The sandbox's `node --version`, and how it misses the repository's Node requirements (null when it
 * does not, or the repository states none). Only asked when there is something to compare.
 */
async function checkNode(
  sandbox: Sandbox,
  plan: EnvironmentPlan,
  signal: AbortSignal | undefined,
): Promise<{ version: string | null; mismatch: string | null }> {
  if (!plan.node.some((each) => each.range !== null)) return { version: null, mismatch: null };
  const result = await sandbox.exec('node --version', {
    timeoutMs: 30_000,
    maxOutputBytes: 4096,
    ...(signal ? { signal } : {}),
  });
  const version = result.exitCode === 0 ? result.output.trim() : '';
  const mismatches = nodeMismatches(version, plan.node);
  return {
    version: version === '' ? null : version,
    mismatch: mismatches.length > 0 ? describeNodeMismatch(version, mismatches) : null,
  };
}

/**
 * Setup in a workspace of its own (a plain clone, no image): a sandbox with the setup hosts only runs
 * the setup commands, then goes. Throws `setup_failed` like runSetupCommands.
 */
export async function runSetupInWorkspace(
  sandboxes: SandboxProvider,
  workspacePath: string,
  sandboxId: string,
  options: Omit<SetupRunOptions, 'blocked'> & { root?: SandboxRoot | null },
): Promise<{ log: string; durationMs: number }> {
  const { plan, root, ...run } = options;
  const blocked: EgressAttempt[] = [];
  const sandbox = await sandboxes.create({
    sessionId: sandboxId,
    ...(root ? { root } : {}),
    workspacePath,
    readOnlyPaths: ['.git'],
    limits: plan.limits,
    ...(plan.network.setup.length > 0
      ? { network: { allow: plan.network.setup, onBlocked: (attempt) => blocked.push(attempt) } }
      : {}),
  });
  try {
    return await runSetupCommands(sandbox, { ...run, plan, blocked });
  } finally {
    await sandbox.destroy().catch(() => {});
  }
}

function setupFailure(
  command: string,
  how: string,
  index: number,
  plan: EnvironmentPlan,
  log: string,
  hosts: readonly string[],
  explanation: string | null,
): string {
  const lines = [
    `Setup failed: \`${command}\` (command ${index + 1} of ${plan.setup.length}, from ${plan.description}) ${how}. No environment image was published.`,
  ];
  if (explanation !== null) lines.push(explanation);
  if (hosts.length > 0) {
    lines.push(
      `Blocked network attempts: ${hosts.join(', ')}. Allow them under network.setup in .drydock/config.yaml.`,
    );
  }
  lines.push(`Last lines of its output:\n${tail(log, TAIL_LINES)}`);
  return lines.join('\n');
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
