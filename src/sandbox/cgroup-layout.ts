/**
 * The files a sandbox's cgroups are made of: which directories to create, what to write into them and
 * what to remove afterwards. Pure; cgroup-control.ts carries it out.
 */
import type { CgroupController, CgroupPlan } from './limit-plan.ts';
import type { ResolvedLimits } from './resource-limits.ts';

export interface CgroupWrite {
  path: string;
  value: string;
  /** Skipped when the file does not exist (swap accounting is optional in the kernel). */
  optional?: boolean;
}

export interface CgroupLayout {
  version: 1 | 2;
  /** Directories to create, parents first; existing ones are fine. */
  create: string[];
  /** In order: a memory+swap limit may not be set below the memory limit. */
  writes: CgroupWrite[];
  /** The cgroup.procs files the launcher writes its own pid into before it starts bubblewrap. */
  procsFiles: string[];
  /** The sandbox's own directories, removed on teardown. The shared parent stays. */
  remove: string[];
  /** The file whose `oom_kill N` line counts the sandbox's OOM kills; null without a memory limit. */
  oomEventsFile: string | null;
  /** v2's cgroup.kill (Linux 5.14+; may be missing). v1 kills the pids listed in procsFiles. */
  killFile: string | null;
}

/** The CFS period: quotas are per 100 ms, the kernel's default. */
export const CPU_PERIOD_US = 100_000;

/** A cgroup directory name from a sandbox id (which holds the caller's session id): one safe path segment. */
export function cgroupName(sandboxId: string): string {
  const safe = sandboxId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 200);
  return safe === '' || safe.startsWith('.') ? `s${safe}` : safe;
}

function cpuQuotaUs(cpus: number): number {
  return Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
}

/** Where the sandbox's cgroups go (`<drydock's cgroup>/<group>/<sandbox>`) and how they are set up. */
export function layoutCgroups(
  plan: CgroupPlan,
  sandboxId: string,
  limits: ResolvedLimits,
  group = 'drydock',
): CgroupLayout {
  const name = cgroupName(sandboxId);
  if (plan.version === 2) {
    const parent = `${plan.dir}/${group}`;
    const dir = `${parent}/${name}`;
    const has = (controller: CgroupController): boolean => plan.controllers.includes(controller);
    const enable = (controllers: readonly CgroupController[]): string =>
      controllers.map((controller) => `+${controller}`).join(' ');
    const writes: CgroupWrite[] = [];
    if (plan.enableInParent.length > 0) {
      writes.push({ path: `${plan.dir}/cgroup.subtree_control`, value: enable(plan.enableInParent) });
    }
    writes.push({ path: `${parent}/cgroup.subtree_control`, value: enable(plan.controllers) });
    if (has('memory')) {
      writes.push({ path: `${dir}/memory.max`, value: String(limits.memoryBytes) });
      writes.push({ path: `${dir}/memory.swap.max`, value: '0', optional: true });
    }
    if (has('pids')) writes.push({ path: `${dir}/pids.max`, value: String(limits.pids) });
    if (has('cpu')) {
      writes.push({ path: `${dir}/cpu.max`, value: `${cpuQuotaUs(limits.cpus)} ${CPU_PERIOD_US}` });
    }
    return {
      version: 2,
      create: [parent, dir],
      writes,
      procsFiles: [`${dir}/cgroup.procs`],
      remove: [dir],
      oomEventsFile: has('memory') ? `${dir}/memory.events` : null,
      killFile: `${dir}/cgroup.kill`,
    };
  }

  const create: string[] = [];
  const writes: CgroupWrite[] = [];
  const procsFiles: string[] = [];
  const remove: string[] = [];
  let oomEventsFile: string | null = null;
  const dirOf = (controller: CgroupController): string | null => {
    const base = plan.dirs[controller];
    if (base === undefined) return null;
    const dir = `${base}/${group}/${name}`;
    create.push(`${base}/${group}`, dir);
    procsFiles.push(`${dir}/cgroup.procs`);
    remove.push(dir);
    return dir;
  };
  const memory = dirOf('memory');
  if (memory !== null) {
    writes.push({ path: `${memory}/memory.limit_in_bytes`, value: String(limits.memoryBytes) });
    writes.push({
      path: `${memory}/memory.memsw.limit_in_bytes`,
      value: String(limits.memoryBytes),
      optional: true,
    });
    oomEventsFile = `${memory}/memory.oom_control`;
  }
  const pids = dirOf('pids');
  if (pids !== null) writes.push({ path: `${pids}/pids.max`, value: String(limits.pids) });
  const cpu = dirOf('cpu');
  if (cpu !== null) {
    writes.push({ path: `${cpu}/cpu.cfs_period_us`, value: String(CPU_PERIOD_US) });
    writes.push({ path: `${cpu}/cpu.cfs_quota_us`, value: String(cpuQuotaUs(limits.cpus)) });
  }
  return { version: 1, create, writes, procsFiles, remove, oomEventsFile, killFile: null };
}

/** The `oom_kill N` counter of memory.events (v2) or memory.oom_control (v1); null when absent. */
export function parseOomKillCount(text: string): number | null {
  const match = /^oom_kill (\d+)$/m.exec(text);
  return match === null ? null : Number(match[1]);
}
