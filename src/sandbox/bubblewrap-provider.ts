import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError, isDrydockError, UnavailableError } from '../core/errors.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { HostCommandConfinement, SandboxProvider, SandboxSpec } from '../core/ports/sandbox.ts';
import {
  buildBubblewrapArgs,
  buildConfinementArgs,
  egressProxyEnv,
  SANDBOX_WORKDIR,
  sandboxBaseEnv,
} from './bubblewrap-args.ts';
import { explainBubblewrapFailure, NO_ISOLATION_HINT } from './bubblewrap-diagnosis.ts';
import { createSandboxCgroup, type SandboxCgroup } from './cgroup-control.ts';
import { layoutCgroups } from './cgroup-layout.ts';
import { workspaceDisk } from './disk-quota.ts';
import { resolveEgressRules } from './egress-policy.ts';
import { type EgressProxy, startEgressProxy } from './egress-proxy.ts';
import { DEFAULT_KILL_GRACE_MS } from './exec-limits.ts';
import { type HostLayout, readHostLayout } from './host-layout.ts';
import { detectLimitEnvironment } from './limit-detection.ts';
import { chooseLimitPlan, type LimitEnvironment, type RlimitPlan } from './limit-plan.ts';
import { plainScript, privateFile } from './plain-script.ts';
import { resolveSandboxLimits } from './resource-limits.ts';
import { buildLauncher, SECCOMP_FD } from './sandbox-launcher.ts';
import { buildSeccompFilter, seccompArch } from './seccomp-filter.ts';
import { namespaceHolder, withServicesCompartment } from './services-compartment.ts';
import { createSupervisedSandbox, type SupervisedSandbox } from './supervised-sandbox.ts';
import { connectSupervisor, type SupervisorConnection } from './supervisor-connection.ts';
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
  /** What the machine offers to enforce limits with. Default: detected once (limit-detection.ts). */
  limitEnvironment?: () => Promise<LimitEnvironment>;
}

export interface BubblewrapProvider extends SandboxProvider {
  create(spec: SandboxSpec): Promise<SupervisedSandbox>;
}

/** The descriptor bubblewrap reads its NUL-separated arguments from (`--args 3`). */
const ARGS_FD = 3;

const randomIds: IdGenerator = { next: () => randomBytes(6).toString('hex') };

function bubblewrapMissing(bwrapPath: string, cause?: unknown): UnavailableError {
  return new UnavailableError(
    'bubblewrap_missing',
    `bubblewrap (${bwrapPath}) is not installed or not executable: install it (\`apt-get install -y ` +
      `bubblewrap\` on Debian and Ubuntu, \`dnf install bubblewrap\` on Fedora), ${NO_ISOLATION_HINT}.`,
    { cause, transient: false },
  );
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** A program as an absolute path (a path, or a name looked up on PATH); null when there is none. */
async function findExecutable(name: string): Promise<string | null> {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '/usr/bin:/bin')
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, name));
  for (const candidate of candidates) if (await isExecutable(candidate)) return candidate;
  return null;
}

/** The bwrap binary as a path: checked up front, since the launcher's exec failing says less. */
async function findBubblewrap(bwrapPath: string): Promise<string> {
  const found = await findExecutable(bwrapPath);
  if (found === null) throw bubblewrapMissing(bwrapPath);
  return found;
}

/** Caches a lookup, forgetting a failure so the next call tries again. */
function cached<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= load().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
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
 * read-only system (/usr, /etc without its secrets), its workspace at /workspace, a private /tmp of
 * limited size, its own processes only, and no network but its own loopback (plus, with an allowlist,
 * drydock's egress proxy). Its limits are enforced by the strongest mechanism the machine offers
 * (limit-plan.ts): cgroups that the launcher joins before bubblewrap starts, else rlimits.
 */
export function createBubblewrapProvider(options: BubblewrapProviderOptions = {}): BubblewrapProvider {
  const bwrapPath = options.bwrapPath ?? 'bwrap';
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const responseTimeoutMs = options.responseTimeoutMs ?? 60_000;
  const ids = options.ids ?? randomIds;
  // Plain JavaScript in the sandbox: Node starts it without initializing its type stripper first.
  const supervisorPath = cached(() =>
    plainScript(fileURLToPath(new URL('./supervisor.ts', import.meta.url))),
  );
  const forwarderPath = cached(() =>
    plainScript(fileURLToPath(new URL('./egress-forwarder.ts', import.meta.url))),
  );
  const bubblewrap = cached(() => findBubblewrap(bwrapPath));
  const hostLayout = cached<HostLayout>(readHostLayout);
  const nodeBinary = cached(() => realpath(process.execPath));
  const limitEnvironment = cached(options.limitEnvironment ?? detectLimitEnvironment);
  // Written once per process, opened by each launcher for bubblewrap; null where drydock has no filter.
  const seccompFile = cached(async () => {
    const arch = seccompArch();
    return arch === null ? null : privateFile('seccomp', '.bpf', buildSeccompFilter(arch));
  });
  // Entering the agent sandbox's network namespace takes root; without it services run beside the agent.
  const nsenterPath = cached(async () => (process.getuid?.() === 0 ? await findExecutable('nsenter') : null));

  async function create(spec: SandboxSpec): Promise<SupervisedSandbox> {
    const workspacePath = await realWorkspace(spec.workspacePath);
    const readOnlyPaths = await resolveReadOnlyPaths(workspacePath, spec.readOnlyPaths ?? []);
    const limits = resolveSandboxLimits(spec.limits);
    const allow = spec.network === undefined ? undefined : resolveEgressRules(spec.network.allow);
    const bwrap = await bubblewrap();
    const plan = chooseLimitPlan(await limitEnvironment(), limits);
    // The quota is the workspace's own (its maker put it on a disk image): reported, not applied here.
    const disk = await workspaceDisk(workspacePath);
    const id = `${spec.sessionId}-${ids.next()}`;

    let cgroup: SandboxCgroup | undefined;
    let proxy: EgressProxy | undefined;
    let egressDir: string | undefined;
    const release = async (): Promise<void> => {
      await cgroup?.destroy();
      await proxy?.close();
      if (egressDir !== undefined) await rm(egressDir, { recursive: true, force: true });
    };
    try {
      if (plan.cgroup !== null) cgroup = await createSandboxCgroup(layoutCgroups(plan.cgroup, id, limits));
      if (allow !== undefined) {
        egressDir = await mkdtemp(join(tmpdir(), 'drydock-egress-'));
        proxy = await startEgressProxy({
          socketPath: join(egressDir, 'egress.sock'),
          allow,
          onBlocked: spec.network?.onBlocked,
        });
      }
      const filter = await seccompFile();
      const argsInput = {
        seccompFd: filter === null ? undefined : SECCOMP_FD,
        layout: await hostLayout(),
        workspacePath,
        readOnlyPaths,
        nodeBinaryPath: await nodeBinary(),
        supervisorPath: await supervisorPath(),
        tmpBytes: limits.tmpBytes,
      };
      const procsFiles = cgroup?.procsFiles ?? [];
      const connection = await launch(
        id,
        procsFiles,
        plan.rlimit,
        filter,
        [bwrap],
        buildBubblewrapArgs({
          ...argsInput,
          egress:
            proxy === undefined
              ? undefined
              : { socketPath: proxy.socketPath, forwarderPath: await forwarderPath() },
        }),
      );
      const sandboxCgroup = cgroup;
      const supervised = (
        connection: SupervisorConnection,
        sandboxId: string,
        release?: () => Promise<void>,
      ) =>
        createSupervisedSandbox({
          id: sandboxId,
          workdir: SANDBOX_WORKDIR,
          connection,
          baseEnv: sandboxBaseEnv({ ...(proxy === undefined ? {} : egressProxyEnv()), ...spec.env }),
          killGraceMs,
          responseTimeoutMs,
          limits: { ...plan.inForce, diskBytes: disk.diskBytes, disk: disk.disk },
          diskMountPoint: disk.mountPoint,
          oomKillCount: sandboxCgroup === undefined ? undefined : () => sandboxCgroup.oomKillCount(),
          release,
        });
      const agent = supervised(connection, id, release);
      const nsenter = await nsenterPath();
      if (nsenter === null) return agent;
      // Services join the agent's network namespace (nsenter, as root) in a sandbox of their own: the
      // same workspace, cgroups and proxy, another PID namespace. Started at the first services exec.
      return withServicesCompartment(agent, connection.exited, async (servicesWorkspace) => {
        const holder = await namespaceHolder(agent.hostPid);
        const ownTree = servicesWorkspace === undefined ? null : await realWorkspace(servicesWorkspace);
        const tree =
          ownTree === null
            ? {}
            : {
                workspacePath: ownTree,
                readOnlyPaths: await resolveReadOnlyPaths(ownTree, spec.readOnlyPaths ?? []),
              };
        const services = await launch(
          `${id}-services`,
          procsFiles,
          plan.rlimit,
          filter,
          [nsenter, `--net=/proc/${holder}/ns/net`, '--', bwrap],
          buildBubblewrapArgs({ ...argsInput, ...tree, joinsNetwork: true }),
        );
        return supervised(services, `${id}-services`);
      });
    } catch (error) {
      await release();
      throw error;
    }
  }

  /**
   * Starts a supervisor through the launcher (cgroups, rlimits, seccomp) and waits until it is ready.
   * `command` ends with bubblewrap, which reads the options of `bwrapArgs` from a pipe (`--args`); the
   * command after their last `--` (the supervisor, at sandbox paths) stays on its command line.
   */
  async function launch(
    id: string,
    procsFiles: readonly string[],
    rlimit: RlimitPlan | null,
    seccompFile: string | null,
    command: readonly string[],
    bwrapArgs: readonly string[],
  ): Promise<SupervisorConnection> {
    const split = bwrapArgs.lastIndexOf('--');
    const launcher = buildLauncher({
      procsFiles,
      rlimit,
      seccompFile: seccompFile ?? undefined,
      command: [...command, '--args', String(ARGS_FD), ...bwrapArgs.slice(split)],
    });
    // bubblewrap's pid 1 in the sandbox keeps what it was started with, readable there: its environment
    // (/proc/1/environ: --clearenv only reaches the supervisor), so an empty one; its working directory,
    // so `/`; its command line (/proc/1/cmdline: host paths of the workspace, Node, drydock), so its
    // arguments come through a pipe.
    const child = spawn(launcher.file, launcher.args, {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      env: {},
      cwd: '/',
    });
    const argsPipe = child.stdio[ARGS_FD];
    if (argsPipe && 'write' in argsPipe) {
      argsPipe.on('error', () => {});
      argsPipe.end(
        bwrapArgs
          .slice(0, split)
          .map((arg) => `${arg}\0`)
          .join(''),
      );
    }
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
      if (isDrydockError(error) && error.code === 'sandbox_start_failed') throw error;
      const reason = explainBubblewrapFailure(connection.stderrTail());
      throw new UnavailableError('sandbox_start_failed', reason, { cause: error });
    }
    return connection;
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
            'The bubblewrap probe sandbox kept root or capabilities; refusing to run sessions in it. Check ' +
              `that bwrap is not setuid-patched and supports --uid and --cap-drop, ${NO_ISOLATION_HINT}.`,
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

  const confinement: HostCommandConfinement = {
    isolated: true,
    async wrap(command, paths) {
      const filter = await seccompFile();
      const args = buildConfinementArgs(
        await hostLayout(),
        command,
        paths,
        filter === null ? undefined : SECCOMP_FD,
      );
      // bubblewrap's own pid 1 in the sandbox keeps the environment it starts with: none.
      const bwrap = await bubblewrap();
      return filter === null
        ? { file: bwrap, args, cwd: '/', env: {} }
        : {
            file: '/bin/sh',
            args: ['-c', `exec ${SECCOMP_FD}< "$0" && exec "$@"`, filter, bwrap, ...args],
            cwd: '/',
            env: {},
          };
    },
  };

  return {
    capabilities: {
      name: 'bubblewrap',
      isolated: true,
      network: false,
      egressAllowlist: true,
      separateServices: process.getuid?.() === 0,
    },
    confinement,

    async check() {
      const bwrap = await bubblewrap();
      const versionExit = await new Promise<number | null>((resolve, reject) => {
        const version = spawn(bwrap, ['--version'], { stdio: 'ignore' });
        version.once('error', (error) => reject(bubblewrapMissing(bwrap, error)));
        version.once('exit', (code) => resolve(code));
      });
      if (versionExit !== 0) {
        throw new UnavailableError(
          'bubblewrap_unusable',
          `\`${bwrap} --version\` failed (exit code ${versionExit}): reinstall bubblewrap, ${NO_ISOLATION_HINT}.`,
          { transient: false },
        );
      }
      try {
        await probe();
      } catch (error) {
        if (
          isDrydockError(error) &&
          (error.code === 'bubblewrap_missing' || error.code === 'sandbox_unsafe')
        ) {
          throw error;
        }
        // Start and cgroup failures are explained already (cause, fix, the escape hatch); others are not.
        const explained = isDrydockError(error) && error.message.includes(NO_ISOLATION_HINT);
        const reason = error instanceof Error ? error.message : String(error);
        throw new UnavailableError(
          'bubblewrap_unusable',
          explained
            ? reason
            : `bubblewrap is installed but drydock could not run a probe sandbox with it (${reason}). Check ` +
                `that \`bwrap --unshare-all --unshare-user --uid 1000 --ro-bind / / true\` works here, ${NO_ISOLATION_HINT}.`,
          { cause: error, transient: false },
        );
      }
    },

    create,
  };
}
