import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxSpec } from '../core/ports/sandbox.ts';
import {
  buildBubblewrapArgs,
  egressProxyEnv,
  imageBaseEnv,
  SANDBOX_WORKDIR,
  sandboxBaseEnv,
  sandboxGitEnv,
} from './bubblewrap-args.ts';
import type { BubblewrapContext } from './bubblewrap-context.ts';
import { launchSupervisor } from './bubblewrap-launch.ts';
import { createSandboxCgroup, type SandboxCgroup } from './cgroup-control.ts';
import { layoutCgroups } from './cgroup-layout.ts';
import { workspaceDisk } from './disk-quota.ts';
import { resolveEgressRules } from './egress-policy.ts';
import { type EgressProxy, startEgressProxy } from './egress-proxy.ts';
import { type ImageLayout, readImageLayout } from './image-layout.ts';
import { chooseLimitPlan } from './limit-plan.ts';
import { resolveSandboxLimits } from './resource-limits.ts';
import { SECCOMP_FD } from './sandbox-launcher.ts';
import { namespaceHolder, withServicesCompartment } from './services-compartment.ts';
import { createSupervisedSandbox, type SupervisedSandbox } from './supervised-sandbox.ts';
import type { SupervisorConnection } from './supervisor-connection.ts';
import { resolveReadOnlyPaths } from './workspace-path.ts';
import { realWorkspace, type WorkspaceView } from './workspace-view.ts';

/** A launched supervisor and what to make a SupervisedSandbox of it with. */
export interface Launched {
  id: string;
  connection: SupervisorConnection;
  finish(view: WorkspaceView): Promise<SupervisedSandbox>;
  /** Whether the sandbox process has ended. */
  ended(): boolean;
  /** Stops a sandbox never finished and releases what it holds. */
  destroy(): Promise<void>;
}

/** A spare's start: told when the spare ends, to release its mount point (spare-mounts.ts). */
export interface SpareStart {
  onEnded: () => Promise<void>;
}

/**
 * Starts a sandbox with `spec`'s limits, environment and network on `view`: the workspace itself,
 * or (`spare`) an empty mount point the workspace is mounted on later. `finish` makes the sandbox
 * once the workspace is in place: its wall clock starts then. Its cgroups, egress proxy and the
 * proxy's directory are released when it is destroyed, when a spare ends before it is finished, or
 * at once when the start fails.
 */
export async function startBubblewrapSandbox(
  context: BubblewrapContext,
  spec: SandboxSpec,
  view: WorkspaceView,
  idPrefix: string,
  spare?: SpareStart,
): Promise<Launched> {
  const { users } = context;
  const limits = resolveSandboxLimits(spec.limits);
  const allow = spec.network === undefined ? undefined : resolveEgressRules(spec.network.allow);
  const bwrap = await context.bubblewrap();
  const plan = chooseLimitPlan(await context.limitEnvironment(), limits);
  const id = `${idPrefix}-${context.ids.next()}`;
  const image = spec.root === undefined ? undefined : await readImageLayout(spec.root);
  if (image !== undefined && !image.hasGit) {
    context.warnOnce(
      image.label,
      `image ${image.label} has no git on its PATH: drydock finds the repository's checks by listing its ` +
        'files with git, so a session stops (checks_unlisted) unless .drydock/config.yaml declares its checks; ' +
        'the agent lists and searches files with find and grep instead. Add git to the image.',
    );
  }
  const runtime = image === undefined ? undefined : await context.nodeRuntime();

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
    const filter = await context.seccompFile();
    const layout = await context.hostLayout();
    const nsenter = await context.nsenterPath();
    const sources = {
      workspace: view.path,
      nodeBinary: await context.nodeBinary(),
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
      supervisorPath: await context.supervisorPath(),
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
    const connection = await launchSupervisor({
      id,
      procsFiles,
      rlimit: plan.rlimit,
      seccompFile: filter,
      binds,
      command: reached.asUser([bwrap]),
      bwrapArgs: buildBubblewrapArgs({
        ...argsInput,
        egress:
          reached.egressSocket === undefined
            ? undefined
            : { socketPath: reached.egressSocket, forwarderPath: await context.forwarderPath() },
      }),
      background: spare !== undefined,
      startTimeoutMs: context.startTimeoutMs,
    });
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
          killGraceMs: context.killGraceMs,
          responseTimeoutMs: context.responseTimeoutMs,
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
        const services = await launchSupervisor({
          id: `${id}-services`,
          procsFiles,
          rlimit: plan.rlimit,
          seccompFile: filter,
          binds: servicesReached.binds,
          command: [nsenter, `--net=/proc/${holder}/ns/net`, '--', ...servicesReached.asUser([bwrap])],
          bwrapArgs: buildBubblewrapArgs({ ...argsInput, ...tree, joinsNetwork: true }),
          startTimeoutMs: context.startTimeoutMs,
        });
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
