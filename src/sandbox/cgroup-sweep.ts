import { lstat, readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { detectLimitEnvironment } from './limit-detection.ts';
import type { LimitEnvironment } from './limit-plan.ts';

/**
 * Removes the cgroups of sandboxes that are gone: a crashed drydock cannot remove its sandboxes'
 * cgroups (`<drydock's cgroup>/drydock/<sandbox>`). A sandbox's processes die with it (bubblewrap's
 * PID namespace ends with its first process), so a sandbox cgroup holding no process is a leftover,
 * unless it was made a moment ago (a sandbox starting: its launcher has not joined yet).
 */
export interface CgroupSweepOptions {
  /** Default: detected (limit-detection.ts). */
  environment?: LimitEnvironment;
  /** Younger cgroups are left alone. Default 60 s. */
  minAgeMs?: number;
  dryRun?: boolean;
  now?: number;
  /** Only cgroups whose name passes (tests keep to their own). Default: all. */
  only?: (name: string) => boolean;
}

export async function sweepSandboxCgroups(options: CgroupSweepOptions = {}): Promise<string[]> {
  const environment = options.environment ?? (await detectLimitEnvironment());
  const minAgeMs = options.minAgeMs ?? 60_000;
  const now = options.now ?? Date.now();
  const parents = new Set<string>();
  if (environment.cgroupV2?.writable) parents.add(join(environment.cgroupV2.dir, 'drydock'));
  for (const facts of Object.values(environment.cgroupV1)) {
    if (facts?.writable) parents.add(join(facts.dir, 'drydock'));
  }
  const removed: string[] = [];
  for (const parent of parents) {
    for (const name of (await readdir(parent).catch(() => [] as string[])).sort()) {
      if (options.only !== undefined && !options.only(name)) continue;
      const dir = join(parent, name);
      const info = await lstat(dir).catch(() => null);
      if (info === null || !info.isDirectory() || now - info.ctimeMs < minAgeMs) continue;
      const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => null);
      if (procs === null || procs.trim() !== '') continue;
      if (options.dryRun) removed.push(dir);
      else if (
        await rmdir(dir).then(
          () => true,
          () => false,
        )
      )
        removed.push(dir);
    }
  }
  return removed;
}
