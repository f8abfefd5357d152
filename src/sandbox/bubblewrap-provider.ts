import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError, isDrydockError, isUnavailable, UnavailableError } from '../core/errors.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { HostCommandConfinement, SandboxProvider, SandboxSpec } from '../core/ports/sandbox.ts';
import {
  buildBubblewrapArgs,
  buildConfinementArgs,
  CONFINED_GIT_CAPABILITIES,
  egressProxyEnv,
  imageBaseEnv,
  SANDBOX_WORKDIR,
  sandboxBaseEnv,
  sandboxGitEnv,
} from './bubblewrap-args.ts';
import { explainBubblewrapFailure, NO_ISOLATION_HINT } from './bubblewrap-diagnosis.ts';
import { cached } from './cached.ts';
import { createSandboxCgroup, type SandboxCgroup } from './cgroup-control.ts';
import { layoutCgroups } from './cgroup-layout.ts';
import { workspaceDisk } from './disk-quota.ts';
import { resolveEgressRules } from './egress-policy.ts';
import { type EgressProxy, startEgressProxy } from './egress-proxy.ts';
import { DEFAULT_KILL_GRACE_MS } from './exec-limits.ts';
import { findExecutable } from './find-executable.ts';
import { type HostLayout, readHostLayout } from './host-layout.ts';
import { type ImageLayout, readImageLayout } from './image-layout.ts';
import { detectLimitEnvironment } from './limit-detection.ts';
import { chooseLimitPlan, type LimitEnvironment, type RlimitPlan } from './limit-plan.ts';
import { resolveNodeRuntime } from './node-runtime.ts';
import { plainScript, privateFile } from './plain-script.ts';
import { resolveSandboxLimits } from './resource-limits.ts';
import { buildLauncher, type LauncherBinds, SECCOMP_FD } from './sandbox-launcher.ts';
import { sandboxUser } from './sandbox-user.ts';
import { buildSeccompFilter, seccompArch } from './seccomp-filter.ts';
import { namespaceHolder, withServicesCompartment } from './services-compartment.ts';
import { attachWorkspace, createSpareMounts, releaseSpareMounts } from './spare-mounts.ts';
import { createSpares } from './spares.ts';
import { createSupervisedSandbox, type SupervisedSandbox } from './supervised-sandbox.ts';
import { COMMAND_NICENESS } from './supervisor.ts';
import { connectSupervisor, type SupervisorConnection } from './supervisor-connection.ts';
import { createUserSwitch } from './user-switch.ts';
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
  /** The Node binary the supervisor runs on. Default: the one drydock runs on. */
  nodePath?: string;
  /**
   * Spare sandboxes kept started per shape of spec (limits, environment), so create() mounts the
   * workspace into one (spare-mounts.ts) instead of booting a sandbox: the first create() of a shape
   * starts as usual and fills its spares. Needs root (mounts); specs with network egress always start
   * their own. Default 0: none. drainSpares() stops them.
   */
  spares?: number;
  /**
   * Told what is worth knowing but no reason to refuse a sandbox (an image without git, which the
   * agent's tools then do without). Default: written to stderr.
   */
  warn?: (message: string) => void;
}

export interface BubblewrapProvider extends SandboxProvider {
  create(spec: SandboxSpec): Promise<SupervisedSandbox>;
  /** Resolves when no spare is starting. */
  sparesSettled(): Promise<void>;
  /** Stops keeping spares and destroys those waiting; create() starts every sandbox from then on. Idempotent. */
  drainSpares(): Promise<void>;
}

/** The descriptor bubblewrap reads its NUL-separated arguments from (`--args 3`). */
const ARGS_FD = 3;

const randomIds: IdGenerator = { next: () => randomBytes(6).toString('hex') };

/** The descriptor bubblewrap joins the shared user namespace by (`--userns 8`), next to the seccomp filter's. */
const USERNS_FD = 8;

function bubblewrapMissing(bwrapPath: string, cause?: unknown): UnavailableError {
  return new UnavailableError(
    'bubblewrap_missing',
    `bubblewrap (${bwrapPath}) is not installed or not executable: install it (\`apt-get install -y ` +
      `bubblewrap\` on Debian and Ubuntu, \`dnf install bubblewrap\` on Fedora), ${NO_ISOLATION_HINT}.`,
    { cause, transient: false },
  );
}

/** The bwrap binary as a path: checked up front, since the launcher's exec failing says less. */
async function findBubblewrap(bwrapPath: string): Promise<string> {
  const found = await findExecutable(bwrapPath);
  if (found === null) throw bubblewrapMissing(bwrapPath);
  return found;
}

/** The Uid line of a host process's status: real, effective, saved and filesystem uid. */
async function hostUids(pid: number | undefined): Promise<number[] | null> {
  if (pid === undefined) return null;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const line = /^Uid:\s+(.*)$/m.exec(status)?.[1];
  return line === undefined ? null : line.trim().split(/\s+/).map(Number);
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
 * read-only system (/usr, /etc without its secrets; or, with `spec.root`, an image's whole root file
 * system and nothing of the host's but that Node and its libraries under /opt/drydock), its workspace at /workspace, a private /tmp of
 * limited size, its own processes only, and no network but its own loopback (plus, with an allowlist,
 * drydock's egress proxy). Its limits are enforced by the strongest mechanism the machine offers
 * (limit-plan.ts): cgroups that the launcher joins before bubblewrap starts, else rlimits.
 *
 * When drydock runs as root, bubblewrap does not: the launcher (root) joins the cgroups, opens the
 * seccomp filter, binds what bubblewrap needs at mount points that user can reach (stage-points.ts),
 * then starts bubblewrap as the sandbox user (sandbox-user.ts), whom the sandbox's uid 1000 maps to.
 * So the sandbox's processes, and what they create, are that unprivileged user's on the host. The
 * workspace's root directory is handed to it here; whoever prepares a workspace hands it the rest.
 */
export function createBubblewrapProvider(options: BubblewrapProviderOptions = {}): BubblewrapProvider {
  const bwrapPath = options.bwrapPath ?? 'bwrap';
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const responseTimeoutMs = options.responseTimeoutMs ?? 60_000;
  const ids = options.ids ?? randomIds;
  const spareCount = options.spares ?? 0;
  // Plain JavaScript in the sandbox: Node starts it without initializing its type stripper first.
  const supervisorPath = cached(() =>
    plainScript(fileURLToPath(new URL('./supervisor.ts', import.meta.url))),
  );
  const forwarderPath = cached(() =>
    plainScript(fileURLToPath(new URL('./egress-forwarder.ts', import.meta.url))),
  );
  const bubblewrap = cached(() => findBubblewrap(bwrapPath));
  const hostLayout = cached<HostLayout>(readHostLayout);
  const nodeBinary = cached(() => realpath(options.nodePath ?? process.execPath));
  // What that Node needs on an image root: resolved once, and only when an image asks for it.
  const nodeRuntime = cached(async () => resolveNodeRuntime(await nodeBinary()));
  const warn = options.warn ?? ((message: string) => process.stderr.write(`drydock: ${message}\n`));
  const warnedImages = new Set<string>();
  const limitEnvironment = cached(options.limitEnvironment ?? detectLimitEnvironment);
  // Written once per process, opened by each launcher for bubblewrap; null where drydock has no filter.
  const seccompFile = cached(async () => {
    const arch = seccompArch();
    return arch === null ? null : privateFile('seccomp', '.bpf', buildSeccompFilter(arch));
  });
  // Entering the agent sandbox's network namespace takes root; without it services run beside the agent.
  const nsenterPath = cached(async () => (process.getuid?.() === 0 ? await findExecutable('nsenter') : null));
  const users = createUserSwitch(sandboxUser());
  const hostUser = users.user;

  /** What a sandbox's workspace is, checked and handed to the sandbox user. */
  interface WorkspaceView {
    path: string;
    readOnlyPaths: string[];
  }

  async function workspaceView(spec: SandboxSpec): Promise<WorkspaceView> {
    const path = await realWorkspace(spec.workspacePath);
    // The workspace's root is the sandbox user's; whoever prepared the workspace handed it the rest.
    await users.handOver(path);
    return { path, readOnlyPaths: await resolveReadOnlyPaths(path, spec.readOnlyPaths ?? []) };
  }

  /** A launched supervisor and what to make a SupervisedSandbox of it with. */
  interface Launched {
    id: string;
    connection: SupervisorConnection;
    finish(view: WorkspaceView): Promise<SupervisedSandbox>;
    /** Whether the sandbox process has ended. */
    ended(): boolean;
    /** Stops a sandbox never finished and releases what it holds. */
    destroy(): Promise<void>;
  }

  /**
   * Starts a sandbox with `spec`'s limits, environment and network on `view`: the workspace itself,
   * or (`spare`) an empty mount point the workspace is mounted on later. `finish` makes the sandbox
   * once the workspace is in place: its wall clock starts then.
   */
  async function start(
    spec: SandboxSpec,
    view: WorkspaceView,
    idPrefix: string,
    spare?: { onEnded: () => Promise<void> },
  ): Promise<Launched> {
    const limits = resolveSandboxLimits(spec.limits);
    const allow = spec.network === undefined ? undefined : resolveEgressRules(spec.network.allow);
    const bwrap = await bubblewrap();
    const plan = chooseLimitPlan(await limitEnvironment(), limits);
    const id = `${idPrefix}-${ids.next()}`;
    const image = spec.root === undefined ? undefined : await readImageLayout(spec.root);
    if (image !== undefined && !image.hasGit && !warnedImages.has(image.label)) {
      warnedImages.add(image.label);
      warn(
        `image ${image.label} has no git on its PATH: drydock finds the repository's checks by listing its ` +
          'files with git, so a session stops (checks_unlisted) unless .drydock/config.yaml declares its checks; ' +
          'the agent lists and searches files with find and grep instead. Add git to the image.',
      );
    }
    const runtime = image === undefined ? undefined : await nodeRuntime();

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
        // Connecting takes write permission on the socket; its directory keeps everyone else out.
        await users.handOver(proxy.socketPath);
      }
      const filter = await seccompFile();
      const layout = await hostLayout();
      const nsenter = await nsenterPath();
      const sources = {
        workspace: view.path,
        nodeBinary: await nodeBinary(),
        egressSocket: proxy?.socketPath,
        root: image?.path,
        // What bubblewrap reads besides (bubblewrap-args.ts), and the programs it is started through.
        needed: [
          ...layout.systemDirs,
          '/etc',
          '/proc',
          '/dev',
          bwrap,
          ...(plan.rlimit === null ? [] : [plan.rlimit.prlimitPath]),
          ...(nsenter === null ? [] : [nsenter]),
          ...(runtime === undefined
            ? []
            : [runtime.interpreter, ...runtime.libraries].map((file) => file.source)),
        ],
      };
      const reached = await users.reach(sources);
      const argsInput = {
        seccompFd: filter === null ? undefined : SECCOMP_FD,
        layout,
        workspacePath: reached.workspace,
        readOnlyPaths: view.readOnlyPaths,
        nodeBinaryPath: reached.nodeBinary,
        supervisorPath: await supervisorPath(),
        tmpBytes: limits.tmpBytes,
        image:
          image === undefined || runtime === undefined || reached.root === undefined
            ? undefined
            : { layout: { ...image, path: reached.root } satisfies ImageLayout, runtime },
      };
      const procsFiles = cgroup?.procsFiles ?? [];
      const binds =
        spare === undefined || reached.binds === undefined
          ? reached.binds
          : { ...reached.binds, propagation: 'slave' as const };
      const connection = await launch(
        id,
        procsFiles,
        plan.rlimit,
        filter,
        binds,
        reached.asUser([bwrap]),
        buildBubblewrapArgs({
          ...argsInput,
          egress:
            reached.egressSocket === undefined
              ? undefined
              : { socketPath: reached.egressSocket, forwarderPath: await forwarderPath() },
        }),
        spare !== undefined,
      );
      const sandboxCgroup = cgroup;
      let releasing: Promise<void> | undefined;
      const releaseAll = (): Promise<void> => {
        releasing ??= release().finally(() => spare?.onEnded());
        return releasing;
      };
      // A spare that ends before it is handed over releases what it holds; one handed over, its sandbox.
      let finished = false;
      let ended = false;
      void connection.exited.then(() => {
        ended = true;
        if (!finished && spare !== undefined) return releaseAll();
      });

      const commandEnv = (env: Record<string, string>): Record<string, string> =>
        image === undefined ? sandboxBaseEnv(env) : imageBaseEnv(image.env, env);
      const finish = async (final: WorkspaceView): Promise<SupervisedSandbox> => {
        finished = true;
        // The quota is the workspace's own (its maker put it on a disk image): reported, not applied here.
        const disk = await workspaceDisk(final.path);
        const supervised = (
          connection: SupervisorConnection,
          sandboxId: string,
          release?: () => Promise<void>,
        ) =>
          createSupervisedSandbox({
            id: sandboxId,
            workdir: SANDBOX_WORKDIR,
            connection,
            baseEnv: commandEnv({
              // drydock's `.git` is not the sandbox user's: git in the sandbox would refuse it.
              ...(users.separate ? sandboxGitEnv() : {}),
              ...(proxy === undefined ? {} : egressProxyEnv()),
              ...spec.env,
            }),
            killGraceMs,
            responseTimeoutMs,
            limits: { ...plan.inForce, diskBytes: disk.diskBytes, disk: disk.disk },
            diskMountPoint: disk.mountPoint,
            oomKillCount: sandboxCgroup === undefined ? undefined : () => sandboxCgroup.oomKillCount(),
            release,
          });
        const agent = supervised(connection, id, releaseAll);
        if (nsenter === null) return agent;
        // Services join the agent's network namespace (nsenter, as root) in a sandbox of their own: the
        // same workspace, cgroups and proxy, another PID namespace. Started at the first services exec.
        return withServicesCompartment(agent, connection.exited, async (servicesWorkspace) => {
          const holder = await namespaceHolder(agent.hostPid);
          // A tree of the services' own is the sandbox user's too, and bound where bubblewrap reaches it.
          const ownTree = servicesWorkspace === undefined ? null : await realWorkspace(servicesWorkspace);
          if (ownTree !== null) await users.handOver(ownTree);
          const servicesReached =
            ownTree === null ? reached : await users.reach({ ...sources, workspace: ownTree });
          const tree =
            ownTree === null
              ? { readOnlyPaths: final.readOnlyPaths }
              : {
                  workspacePath: servicesReached.workspace,
                  readOnlyPaths: await resolveReadOnlyPaths(ownTree, spec.readOnlyPaths ?? []),
                };
          const services = await launch(
            `${id}-services`,
            procsFiles,
            plan.rlimit,
            filter,
            servicesReached.binds,
            [nsenter, `--net=/proc/${holder}/ns/net`, '--', ...servicesReached.asUser([bwrap])],
            buildBubblewrapArgs({ ...argsInput, ...tree, joinsNetwork: true }),
          );
          return supervised(services, `${id}-services`);
        });
      };
      return {
        id,
        connection,
        finish,
        ended: () => ended,
        async destroy() {
          await connection.close();
          await releaseAll();
        },
      };
    } catch (error) {
      await release();
      throw error;
    }
  }

  async function create(spec: SandboxSpec): Promise<SupervisedSandbox> {
    const view = await workspaceView(spec);
    const key = spareKey(spec);
    if (key !== null) {
      const taken = spares.take(key, spec);
      if (taken !== undefined) {
        try {
          await attachWorkspace(taken.mounts, view.path, view.readOnlyPaths);
          return await taken.launched.finish(view);
        } catch {
          // Started as usual instead; the spare goes.
          await taken.destroy();
        } finally {
          // Only now: the next spare's start does not compete with this hand-off.
          spares.fill(key);
        }
      }
    }
    const launched = await start(spec, view, spec.sessionId);
    return launched.finish(view);
  }

  /** Spares are kept per key: specs that differ only in their workspace and session share one. */
  function spareKey(spec: SandboxSpec): string | null {
    if (spareCount === 0 || process.getuid?.() !== 0 || spec.network !== undefined) return null;
    const sorted = (record: object = {}) => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1));
    const root = spec.root === undefined ? null : [spec.root.path, sorted(spec.root.env)];
    return JSON.stringify([sorted(spec.limits), sorted(spec.env), root]);
  }

  const spares = createSpares(spareCount, async (spec: SandboxSpec) => {
    const mounts = await createSpareMounts();
    try {
      const launched = await start(
        { ...spec, sessionId: 'spare', workspacePath: mounts.point },
        { path: mounts.point, readOnlyPaths: [] },
        'spare',
        { onEnded: () => releaseSpareMounts(mounts) },
      );
      return { mounts, launched, alive: () => !launched.ended(), destroy: () => launched.destroy() };
    } catch (error) {
      await releaseSpareMounts(mounts).catch(() => {});
      throw error;
    }
  });

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
    binds: LauncherBinds | undefined,
    command: readonly string[],
    bwrapArgs: readonly string[],
    background = false,
  ): Promise<SupervisorConnection> {
    const split = bwrapArgs.lastIndexOf('--');
    const launcher = buildLauncher({
      procsFiles,
      rlimit,
      seccompFile: seccompFile ?? undefined,
      binds,
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
    // A spare starts in the background: at the commands' niceness (which its supervisor would take at
    // once anyway), so a sandbox being handed over meanwhile keeps the CPU.
    if (background && child.pid !== undefined) {
      try {
        setPriority(child.pid, COMMAND_NICENESS);
      } catch {
        // Gone already: its start fails and says why.
      }
    }
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
      if (isUnavailable(error, 'sandbox_start_failed')) throw error;
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
        // From the host: every uid of the sandbox process is the sandbox user's, none is root.
        const uids = await hostUids(sandbox.hostPid);
        if (uids === null || uids.some((uid) => uid !== hostUser.uid)) {
          throw new UnavailableError(
            'sandbox_unsafe',
            `The bubblewrap probe sandbox runs as host uids ${uids?.join(', ') ?? 'unknown'}, not as the sandbox ` +
              `user ${hostUser.uid}; refusing to run sessions in it. Check that setpriv (util-linux) works here, ` +
              `${NO_ISOLATION_HINT}.`,
            { transient: false },
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
      // drydock's git works on trees that are partly the sandbox user's: it runs where both are mapped.
      const userns = await users.sharedUserns();
      const args = buildConfinementArgs(
        await hostLayout(),
        command,
        paths,
        filter === null ? undefined : SECCOMP_FD,
        userns === null ? undefined : { fd: USERNS_FD, capabilities: CONFINED_GIT_CAPABILITIES },
      );
      // bubblewrap's own pid 1 in the sandbox keeps the environment it starts with: none.
      const bwrap = await bubblewrap();
      const fds = [
        ...(filter === null ? [] : [{ fd: SECCOMP_FD, path: filter }]),
        ...(userns === null ? [] : [{ fd: USERNS_FD, path: userns }]),
      ];
      if (fds.length === 0) return { file: bwrap, args, cwd: '/', env: {} };
      const opens = fds.map(({ fd }, index) => `exec ${fd}< "$${index + 1}"`).join(' && ');
      return {
        file: '/bin/sh',
        args: [
          '-c',
          `${opens} && shift ${fds.length} && exec "$@"`,
          'drydock-confine',
          ...fds.map(({ path }) => path),
          bwrap,
          ...args,
        ],
        cwd: '/',
        env: {},
      };
    },
  };

  return {
    capabilities: {
      name: 'bubblewrap',
      hostUser,
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
        if (isUnavailable(error, 'bubblewrap_missing', 'sandbox_unsafe', 'sandbox_tools_missing'))
          throw error;
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
    sparesSettled: () => spares.settled(),
    drainSpares: () => spares.drain(),
    close: () => spares.drain(),
  };
}
