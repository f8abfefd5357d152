import type { SandboxProvider, SandboxSpec } from '../core/ports/sandbox.ts';
import { checkBubblewrap } from './bubblewrap-check.ts';
import { createBubblewrapConfinement } from './bubblewrap-confinement.ts';
import { type BubblewrapContextOptions, createBubblewrapContext } from './bubblewrap-context.ts';
import { createBubblewrapSpares, type StartSandbox } from './bubblewrap-spares.ts';
import { startBubblewrapSandbox } from './bubblewrap-start.ts';
import type { SupervisedSandbox } from './supervised-sandbox.ts';
import { workspaceView } from './workspace-view.ts';

export interface BubblewrapProviderOptions extends BubblewrapContextOptions {
  /**
   * Spare sandboxes kept started per shape of spec (limits, environment), so create() mounts the
   * workspace into one (spare-mounts.ts) instead of booting a sandbox: the first create() of a shape
   * starts as usual and fills its spares. Needs root (mounts); specs with network egress always start
   * their own. Default 0: none. drainSpares() stops them.
   */
  spares?: number;
}

export interface BubblewrapProvider extends SandboxProvider {
  create(spec: SandboxSpec): Promise<SupervisedSandbox>;
  /** Resolves when no spare is starting. */
  sparesSettled(): Promise<void>;
  /** Stops keeping spares and destroys those waiting; create() starts every sandbox from then on. Idempotent. */
  drainSpares(): Promise<void>;
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
 *
 * The parts: what every sandbox starts from (bubblewrap-context.ts), the workspace checked and handed
 * over (workspace-view.ts), a sandbox's start with its cgroups, egress proxy and services compartment
 * (bubblewrap-start.ts) through the launcher (bubblewrap-launch.ts), spares (bubblewrap-spares.ts), the
 * confinement of drydock's own git (bubblewrap-confinement.ts) and check()'s probe (bubblewrap-check.ts).
 */
export function createBubblewrapProvider(options: BubblewrapProviderOptions = {}): BubblewrapProvider {
  const context = createBubblewrapContext(options);
  const { users } = context;
  const start: StartSandbox = (spec, view, idPrefix, spare) =>
    startBubblewrapSandbox(context, spec, view, idPrefix, spare);
  const spares = createBubblewrapSpares(options.spares ?? 0, start);

  async function create(spec: SandboxSpec): Promise<SupervisedSandbox> {
    const view = await workspaceView(users, spec);
    const handedOver = await spares.handOver(spec, view);
    if (handedOver !== undefined) return handedOver;
    const launched = await start(spec, view, spec.sessionId);
    return launched.finish(view);
  }

  return {
    capabilities: {
      name: 'bubblewrap',
      hostUser: users.user,
      isolated: true,
      network: false,
      egressAllowlist: true,
      separateServices: process.getuid?.() === 0,
    },
    confinement: createBubblewrapConfinement(context),
    check: () => checkBubblewrap({ bubblewrap: context.bubblewrap, create, hostUser: users.user }),
    create,
    sparesSettled: () => spares.settled(),
    drainSpares: () => spares.drain(),
    close: () => spares.drain(),
  };
}
