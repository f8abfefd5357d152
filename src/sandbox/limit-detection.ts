/**
 * What the machine offers for enforcing limits: the cgroup hierarchies drydock's own process sits in
 * (from /proc/self/mountinfo and /proc/self/cgroup) and whether it may create cgroups below them.
 */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { findExecutable } from './find-executable.ts';
import {
  CGROUP_CONTROLLERS,
  type CgroupController,
  type CgroupV1Facts,
  type LimitEnvironment,
} from './limit-plan.ts';
import { decodeMountPath } from './mount-table.ts';

export interface CgroupMount {
  /** The path inside the hierarchy that is mounted (not `/` when a container bind-mounts its subtree). */
  root: string;
  mountPoint: string;
}

export interface CgroupMounts {
  v2: CgroupMount | null;
  v1: Partial<Record<CgroupController, CgroupMount>>;
}

/** The cgroup mounts in /proc/self/mountinfo: the first of each kind wins. */
export function parseCgroupMounts(mountinfo: string): CgroupMounts {
  const mounts: CgroupMounts = { v2: null, v1: {} };
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined) continue;
    const fields = before.split(' ');
    const [fsType, , superOptions = ''] = after.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || mountPoint === undefined) continue;
    const mount = { root: decodeMountPath(root), mountPoint: decodeMountPath(mountPoint) };
    if (fsType === 'cgroup2') mounts.v2 ??= mount;
    else if (fsType === 'cgroup') {
      const options = superOptions.split(',');
      for (const controller of CGROUP_CONTROLLERS) {
        if (options.includes(controller)) mounts.v1[controller] ??= mount;
      }
    }
  }
  return mounts;
}

export interface ProcessCgroups {
  /** The process's path in the v2 hierarchy (`0::/path`). */
  v2: string | null;
  v1: Partial<Record<CgroupController, string>>;
}

/** The lines of /proc/self/cgroup: `hierarchy-id:controllers:path`. */
export function parseProcessCgroups(text: string): ProcessCgroups {
  const cgroups: ProcessCgroups = { v2: null, v1: {} };
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (match === null) continue;
    const [, hierarchy, controllers = '', path = ''] = match;
    if (hierarchy === '0' && controllers === '') cgroups.v2 = path;
    for (const controller of controllers.split(',')) {
      if ((CGROUP_CONTROLLERS as readonly string[]).includes(controller)) {
        cgroups.v1[controller as CgroupController] = path;
      }
    }
  }
  return cgroups;
}

/** The directory of a cgroup path under a mount, or null when the mount does not show that path. */
export function cgroupDir(mount: CgroupMount, path: string): string | null {
  const root = mount.root === '/' ? '' : mount.root;
  if (path !== root && !path.startsWith(`${root}/`)) return null;
  const relative = path.slice(root.length);
  return relative === '' || relative === '/' ? mount.mountPoint : posix.join(mount.mountPoint, relative);
}

async function isWritable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}

async function readWords(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split(/\s+/).filter((word) => word !== '');
}

/** Reads the machine's cgroup setup. Never throws: what cannot be read counts as not available. */
export async function detectLimitEnvironment(): Promise<LimitEnvironment> {
  const mounts = parseCgroupMounts(await readFile('/proc/self/mountinfo', 'utf8').catch(() => ''));
  const own = parseProcessCgroups(await readFile('/proc/self/cgroup', 'utf8').catch(() => ''));
  let cgroupV2: LimitEnvironment['cgroupV2'] = null;
  const v2Dir = mounts.v2 !== null && own.v2 !== null ? cgroupDir(mounts.v2, own.v2) : null;
  if (v2Dir !== null) {
    cgroupV2 = {
      dir: v2Dir,
      isRoot: own.v2 === '/',
      controllers: await readWords(join(v2Dir, 'cgroup.controllers')),
      subtreeControl: await readWords(join(v2Dir, 'cgroup.subtree_control')),
      writable: await isWritable(v2Dir),
    };
  }
  const cgroupV1: Partial<Record<CgroupController, CgroupV1Facts>> = {};
  for (const controller of CGROUP_CONTROLLERS) {
    const mount = mounts.v1[controller];
    const path = own.v1[controller];
    const dir = mount === undefined || path === undefined ? null : cgroupDir(mount, path);
    if (dir !== null) cgroupV1[controller] = { dir, writable: await isWritable(dir) };
  }
  return { cgroupV2, cgroupV1, prlimitPath: await findExecutable('prlimit') };
}
