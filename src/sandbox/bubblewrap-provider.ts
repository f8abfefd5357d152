import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError, isDrydockError, UnavailableError } from '../core/errors.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { SandboxProvider, SandboxSpec } from '../core/ports/sandbox.ts';
import { buildBubblewrapArgs, SANDBOX_WORKDIR, sandboxBaseEnv } from './bubblewrap-args.ts';
import { explainBubblewrapFailure } from './bubblewrap-diagnosis.ts';
import { DEFAULT_KILL_GRACE_MS } from './exec-limits.ts';
import { type HostLayout, readHostLayout } from './host-layout.ts';
import { createSupervisedSandbox, type SupervisedSandbox } from './supervised-sandbox.ts';
import { connectSupervisor } from './supervisor-connection.ts';
import { resolveReadOnlyPaths } from './workspace-path.ts';

export interface BubblewrapProviderOptions {
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
}

export interface BubblewrapProvider extends SandboxProvider {
  create(spec: SandboxSpec): Promise<SupervisedSandbox>;
}

const randomIds: IdGenerator = { next: () => randomBytes(6).toString('hex') };

function bubblewrapMissing(cause?: unknown): UnavailableError {
  return new UnavailableError(
    'bubblewrap_missing',
    'bubblewrap is not installed: run `apt-get install -y bubblewrap`',
    { cause, transient: false },
  );
}

function errnoCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

async function realWorkspace(path: string): Promise<string> {
  const real = await realpath(path).catch(() => null);
  if (real === null || !(await stat(real)).isDirectory()) {
    throw new BadInputError(
      'workspace_not_found',
      `The workspace ${path} does not exist or is not a directory.`,
    );
  }
  return real;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Sandboxes made of Linux namespaces with bubblewrap: one long-lived bwrap per session running the
 * supervisor (see supervisor.ts) on the Node binary drydock itself runs on. The sandbox sees a
 * read-only system (/usr, /etc without its secrets), its workspace at /workspace, a private /tmp,
 * its own processes only, and no network but its own loopback.
 */
export function createBubblewrapProvider(options: BubblewrapProviderOptions = {}): BubblewrapProvider {
  const bwrapPath = options.bwrapPath ?? 'bwrap';
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const responseTimeoutMs = options.responseTimeoutMs ?? 60_000;
  const ids = options.ids ?? randomIds;
  const supervisorPath = fileURLToPath(new URL('./supervisor.ts', import.meta.url));
  let layout: Promise<HostLayout> | undefined;
  let nodeBinary: Promise<string> | undefined;

  async function create(spec: SandboxSpec): Promise<SupervisedSandbox> {
    const workspacePath = await realWorkspace(spec.workspacePath);
    const readOnlyPaths = await resolveReadOnlyPaths(workspacePath, spec.readOnlyPaths ?? []);
    layout ??= readHostLayout().catch((error: unknown) => {
      layout = undefined;
      throw error;
    });
    nodeBinary ??= realpath(process.execPath);
    const args = buildBubblewrapArgs({
      layout: await layout,
      workspacePath,
      readOnlyPaths,
      nodeBinaryPath: await nodeBinary,
      supervisorPath,
    });
    const id = `${spec.sessionId}-${ids.next()}`;
    const child = spawn(bwrapPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let spawnError: unknown;
    child.once('error', (error) => {
      spawnError = error;
    });
    const connection = connectSupervisor(child, id);
    try {
      await withTimeout(
        connection.ready,
        startTimeoutMs,
        () =>
          new UnavailableError(
            'sandbox_start_failed',
            `The bubblewrap sandbox did not start within ${startTimeoutMs} ms; the machine may be overloaded.`,
          ),
      );
    } catch (error) {
      await connection.close();
      if (errnoCode(spawnError) === 'ENOENT') throw bubblewrapMissing(spawnError);
      if (isDrydockError(error) && error.code === 'sandbox_start_failed') throw error;
      throw new UnavailableError('sandbox_start_failed', explainBubblewrapFailure(connection.stderrTail()), {
        cause: error,
      });
    }
    return createSupervisedSandbox({
      id,
      workdir: SANDBOX_WORKDIR,
      connection,
      baseEnv: sandboxBaseEnv(spec.env),
      killGraceMs,
      responseTimeoutMs,
    });
  }

  async function probe(): Promise<void> {
    const workspacePath = await mkdtemp(join(tmpdir(), 'drydock-probe-'));
    try {
      const sandbox = await create({ sessionId: 'probe', workspacePath });
      try {
        const status = await sandbox.exec(['cat', '/proc/self/status'], { timeoutMs: 10_000 });
        if (!/^CapEff:\s*0+$/m.test(status.output) || /^Uid:\s*0\s/m.test(status.output)) {
          throw new UnavailableError(
            'sandbox_unsafe',
            'The bubblewrap probe sandbox kept root or capabilities; refusing to run sessions in it. Check that bwrap is not setuid-patched and supports --uid and --cap-drop.',
            { transient: false, details: { status: status.output } },
          );
        }
      } finally {
        await sandbox.destroy();
      }
    } finally {
      await rm(workspacePath, { recursive: true, force: true });
    }
  }

  return {
    capabilities: { name: 'bubblewrap', isolated: true, network: false },

    async check() {
      await new Promise<void>((resolve, reject) => {
        const version = spawn(bwrapPath, ['--version'], { stdio: 'ignore' });
        version.once('error', (error) =>
          reject(errnoCode(error) === 'ENOENT' ? bubblewrapMissing(error) : error),
        );
        version.once('exit', () => resolve());
      });
      try {
        await probe();
      } catch (error) {
        if (
          isDrydockError(error) &&
          (error.code === 'bubblewrap_missing' || error.code === 'sandbox_unsafe')
        ) {
          throw error;
        }
        const reason = isDrydockError(error) ? error.message : String(error);
        throw new UnavailableError('bubblewrap_unusable', reason, { cause: error, transient: false });
      }
    },

    create,
  };
}
