/**
 * Which mechanism enforces a bubblewrap sandbox's limits, decided from what was detected on the
 * machine (limit-detection.ts). Pure, so every combination is a row in a table test.
 */
import type { SandboxLimitsInForce } from '../core/ports/sandbox.ts';
import type { ResolvedLimits } from './resource-limits.ts';

export type CgroupController = 'memory' | 'pids' | 'cpu';
export const CGROUP_CONTROLLERS: readonly CgroupController[] = ['memory', 'pids', 'cpu'];

export interface CgroupV2Facts {
  /** drydock's own cgroup directory, e.g. `/sys/fs/cgroup/system.slice/drydock.service`. */
  dir: string;
  /** Whether dir is the root of the hierarchy, where controllers may be enabled although it holds processes. */
  isRoot: boolean;
  /** The dir's cgroup.controllers: what its children could get. */
  controllers: readonly string[];
  /** The dir's cgroup.subtree_control: what its children get now (delegated and enabled). */
  subtreeControl: readonly string[];
  writable: boolean;
}

export interface CgroupV1Facts {
  /** drydock's own cgroup directory in this controller's hierarchy. */
  dir: string;
  writable: boolean;
}

export interface LimitEnvironment {
  /** Null when no cgroup2 hierarchy is mounted (or drydock's cgroup is outside the mounted part). */
  cgroupV2: CgroupV2Facts | null;
  /** The v1 hierarchies mounted for each controller. */
  cgroupV1: Partial<Record<CgroupController, CgroupV1Facts>>;
  /** util-linux prlimit on the host, for the rlimit fallback. */
  prlimitPath: string | null;
}

export type CgroupPlan =
  | { version: 1; dirs: Partial<Record<CgroupController, string>> }
  | {
      version: 2;
      dir: string;
      controllers: readonly CgroupController[];
      /** Controllers to enable in dir's cgroup.subtree_control first (only ever at the root). */
      enableInParent: readonly CgroupController[];
    };

export interface RlimitPlan {
  prlimitPath: string;
  /** RLIMIT_AS of every process in the sandbox, the supervisor included. */
  addressSpaceBytes: number;
}

export interface LimitPlan {
  /** Without the disk quota, which the workspace carries (disk-quota.ts), not the mechanism. */
  inForce: Omit<SandboxLimitsInForce, 'diskBytes' | 'disk'>;
  cgroup: CgroupPlan | null;
  rlimit: RlimitPlan | null;
}

/**
 * RLIMIT_AS caps virtual memory, which runtimes reserve far beyond what they use: Node reserves about
 * 10 GiB of address space for every WebAssembly memory (Node 22's TypeScript support is one; the
 * supervisor runs on it), and vitest 4 needs four of them in one process (its run failed with "Cannot
 * allocate Wasm memory" under 32 GiB). So the fallback never caps below this: it stops a runaway
 * process, it does not make a small sandbox.
 */
export const MIN_ADDRESS_SPACE_BYTES = 64 * 1024 * 1024 * 1024;

function usableV2(facts: CgroupV2Facts | null): {
  controllers: CgroupController[];
  enable: CgroupController[];
} {
  if (facts === null || !facts.writable) return { controllers: [], enable: [] };
  const controllers: CgroupController[] = [];
  const enable: CgroupController[] = [];
  for (const controller of CGROUP_CONTROLLERS) {
    if (facts.subtreeControl.includes(controller)) controllers.push(controller);
    else if (facts.isRoot && facts.controllers.includes(controller)) {
      controllers.push(controller);
      enable.push(controller);
    }
  }
  return { controllers, enable };
}

/**
 * Cgroups where they can be used: v2 when at least as many controllers are delegated to drydock's
 * cgroup as v1 offers writable hierarchies, else v1. Otherwise rlimits, which only cap each process's
 * address space: RLIMIT_NPROC is counted per host user (drydock's own processes included), so it
 * cannot be a sandbox's pids limit, and there is no rlimit for a CPU rate. Limits a mechanism cannot
 * enforce are null in inForce; wall time and the /tmp size never depend on it.
 */
export function chooseLimitPlan(environment: LimitEnvironment, limits: ResolvedLimits): LimitPlan {
  const always = { wallTimeMs: limits.wallTimeMs, tmpBytes: limits.tmpBytes };
  const v2 = usableV2(environment.cgroupV2);
  const v1 = CGROUP_CONTROLLERS.filter((controller) => environment.cgroupV1[controller]?.writable === true);
  const inForceFor = (controllers: readonly CgroupController[]) => ({
    memoryBytes: controllers.includes('memory') ? limits.memoryBytes : null,
    pids: controllers.includes('pids') ? limits.pids : null,
    cpus: controllers.includes('cpu') ? limits.cpus : null,
  });

  if (environment.cgroupV2 !== null && v2.controllers.length > 0 && v2.controllers.length >= v1.length) {
    return {
      inForce: { mechanism: 'cgroup-v2', ...inForceFor(v2.controllers), ...always },
      cgroup: {
        version: 2,
        dir: environment.cgroupV2.dir,
        controllers: v2.controllers,
        enableInParent: v2.enable,
      },
      rlimit: null,
    };
  }
  if (v1.length > 0) {
    const dirs: Partial<Record<CgroupController, string>> = {};
    for (const controller of v1) dirs[controller] = environment.cgroupV1[controller]?.dir;
    return {
      inForce: { mechanism: 'cgroup-v1', ...inForceFor(v1), ...always },
      cgroup: { version: 1, dirs },
      rlimit: null,
    };
  }
  if (environment.prlimitPath !== null) {
    const addressSpaceBytes = Math.max(limits.memoryBytes, MIN_ADDRESS_SPACE_BYTES);
    return {
      inForce: { mechanism: 'rlimit', memoryBytes: addressSpaceBytes, pids: null, cpus: null, ...always },
      cgroup: null,
      rlimit: { prlimitPath: environment.prlimitPath, addressSpaceBytes },
    };
  }
  return {
    inForce: { mechanism: 'none', memoryBytes: null, pids: null, cpus: null, ...always },
    cgroup: null,
    rlimit: null,
  };
}
