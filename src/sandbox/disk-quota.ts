import { execFile } from 'node:child_process';
import {
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  statfs,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { UnavailableError } from '../core/errors.ts';
import type { DiskQuotaInForce } from '../core/ports/sandbox.ts';
import { findExecutable } from './find-executable.ts';
import { decodeMountPath, isMountPoint, type MountEntry, readMounts } from './mount-table.ts';

/**
 * A workspace's disk quota: its writable part lives on an ext4 file system in a sparse image file of
 * the quota's size, loop-mounted (`mount -o loop`), so a write past it fails with ENOSPC inside the
 * sandbox and nowhere else. Making, formatting and mounting one costs tens of milliseconds (measured
 * in bench/disk-quota-bench.ts); the image takes host disk only for what is written. Needs root (loop
 * devices and mounting), mkfs.ext4 (e2fsprogs) and loop devices (not in most unprivileged containers).
 */

/** Every drydock disk image ends with this, so a sweep and Sandbox.limits can tell them from others. */
export const DISK_IMAGE_SUFFIX = '.disk.img';

/** Below this ext4 cannot hold its own journal and metadata with room to spare. */
export const MIN_DISK_BYTES = 16 * 1024 * 1024;

export type DiskQuotaSupport = { ok: true } | { ok: false; reason: string };

interface Tools {
  mkfs: string;
}

function run(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout);
      const tail = `${stderr}`.trim().split('\n').slice(-3).join(' ');
      reject(new Error(`${file} ${args.join(' ')} failed: ${tail || error.message}`));
    });
  });
}

let tools: Promise<Tools> | undefined;
function loadTools(): Promise<Tools> {
  tools ??= (async () => {
    const mkfs = await findExecutable('mkfs.ext4', ['/usr/sbin', '/sbin']);
    if (mkfs === null) {
      throw new Error('mkfs.ext4 is not installed (apt-get install -y e2fsprogs)');
    }
    return { mkfs };
  })().catch((error: unknown) => {
    tools = undefined;
    throw error;
  });
  return tools;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let support: Promise<DiskQuotaSupport> | undefined;

/**
 * Whether disk quotas work here, checked once per process with a trial image: drydock must be root,
 * mkfs.ext4 installed and a loop device available. Never throws; the reason says what is missing.
 */
export function diskQuotaSupport(): Promise<DiskQuotaSupport> {
  support ??= (async (): Promise<DiskQuotaSupport> => {
    if (process.getuid?.() !== 0) {
      return { ok: false, reason: 'drydock is not root, and mounting a disk image needs root' };
    }
    try {
      await loadTools();
    } catch (error) {
      return { ok: false, reason: reasonOf(error) };
    }
    if (!(await stat('/dev/loop-control').catch(() => null))) {
      return {
        ok: false,
        reason: 'there are no loop devices here (/dev/loop-control is missing; modprobe loop)',
      };
    }
    const trial = await mkdtemp(join(tmpdir(), 'drydock-disk-probe-'));
    try {
      const volume = await mountDiskVolume({
        image: join(trial, `probe${DISK_IMAGE_SUFFIX}`),
        mountPoint: join(trial, 'mnt'),
        bytes: MIN_DISK_BYTES,
      });
      await volume.release();
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: `a trial disk image could not be mounted (${reasonOf(error)})` };
    } finally {
      await unmountDiskVolume(join(trial, 'mnt')).catch(() => {});
      await rm(trial, { recursive: true, force: true });
    }
  })();
  return support;
}

export interface DiskVolume {
  image: string;
  mountPoint: string;
  /** The image's size: the quota. */
  bytes: number;
  /** Unmounts the file system (the loop device goes with it) and deletes the image. Idempotent. */
  release(): Promise<void>;
}

export interface MountDiskVolumeOptions {
  /** Path of the image file; its name must end with DISK_IMAGE_SUFFIX. Made when missing, reused when there. */
  image: string;
  /** Where to mount it (made when missing). Whatever was mounted there is unmounted first. */
  mountPoint: string;
  /** The quota, for a new image. An existing image keeps its size. */
  bytes: number;
}

/**
 * Unmounts a disk volume (stacked mounts too); the loop device is detached with it (`mount -o loop`
 * sets autoclear). When something still holds it, detaches lazily so it goes once that ends. Idempotent.
 */
export async function unmountDiskVolume(mountPoint: string): Promise<void> {
  const loops = (await readMounts())
    .filter((entry) => entry.mountPoint === mountPoint && entry.source.startsWith('/dev/loop'))
    .map((entry) => basename(entry.source));
  while (await isMountPoint(mountPoint)) {
    await run('umount', [mountPoint]).catch(() => run('umount', ['-l', mountPoint]));
  }
  // The kernel detaches an autoclear loop device a moment after the unmount: wait for it, so whoever
  // deletes the image next finds nothing still backed by it. Usually milliseconds; on a loaded machine
  // (a full test run on 2 cores) more than a second was seen, hence 5 s at most.
  const deadline = Date.now() + 5000;
  for (const loop of loops) {
    while (Date.now() < deadline && (await stat(`/sys/block/${loop}/loop`).catch(() => null)) !== null) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/**
 * Mounts a quota image at `mountPoint`, making the image (sparse, ext4 with no blocks reserved for
 * root: the quota is the agent's whole size) when it does not exist yet.
 */
export async function mountDiskVolume(options: MountDiskVolumeOptions): Promise<DiskVolume> {
  const { image, mountPoint } = options;
  if (!image.endsWith(DISK_IMAGE_SUFFIX)) {
    throw new Error(`A disk image's name must end with ${DISK_IMAGE_SUFFIX}: ${image}`);
  }
  const { mkfs } = await loadTools();
  await unmountDiskVolume(mountPoint);
  let fresh = false;
  if (!(await stat(image).catch(() => null))) {
    const partial = `${image}.partial`;
    await mkdir(dirname(image), { recursive: true });
    await rm(partial, { force: true });
    await writeFile(partial, '');
    await truncate(partial, options.bytes);
    // Discarding a sparse file zeroes it, so mkfs marks the inode tables zeroed: no background init.
    await run(mkfs, ['-q', '-F', '-m', '0', '-L', 'drydock-disk', partial]);
    await rename(partial, image);
    fresh = true;
  }
  await mkdir(mountPoint, { recursive: true });
  await run('mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev', image, mountPoint]);
  if (fresh) await rmdir(join(mountPoint, 'lost+found')).catch(() => {});
  const bytes = (await stat(image)).size;
  let released = false;
  return {
    image,
    mountPoint,
    bytes,
    async release() {
      if (released) return;
      released = true;
      await unmountDiskVolume(mountPoint);
      await rm(image, { force: true });
    },
  };
}

/** The mount holding `path`: the longest mount point that is the path or one of its parents. */
function mountOf(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const entry of mounts) {
    const point = entry.mountPoint;
    const holds = point === '/' || path === point || path.startsWith(`${point}/`);
    if (holds && (best === undefined || point.length >= best.mountPoint.length)) best = entry;
  }
  return best;
}

function superOption(options: string, name: string): string | undefined {
  for (const option of options.split(',')) {
    if (option.startsWith(`${name}=`)) return option.slice(name.length + 1);
  }
  return undefined;
}

/** The backing file of a loop device such as /dev/loop3, or null. */
async function loopBackingFile(device: string): Promise<string | null> {
  const match = /^\/dev\/(loop\d+)$/.exec(device);
  if (!match) return null;
  const backing = await readFile(`/sys/block/${match[1]}/loop/backing_file`, 'utf8').catch(() => null);
  return backing === null ? null : backing.trim().replace(/ \(deleted\)$/, '');
}

export interface WorkspaceDisk {
  /** The quota in force, or null. */
  diskBytes: number | null;
  disk: DiskQuotaInForce;
  /** Host path of the quota's file system, to check how full it is. */
  mountPoint?: string;
}

/**
 * The disk quota of a workspace, read from the mount table: the workspace itself, or the upper
 * (writable) layer of the overlay it is, on an ext4 file system in a drydock disk image. Never throws.
 */
export async function workspaceDisk(workspacePath: string): Promise<WorkspaceDisk> {
  try {
    const path = await realpath(workspacePath);
    const mounts = await readMounts();
    let holder = mountOf(mounts, path);
    if (holder?.fsType === 'overlay') {
      const upper = superOption(holder.superOptions, 'upperdir');
      holder = upper === undefined ? undefined : mountOf(mounts, decodeMountPath(upper));
    }
    if (holder?.fsType === 'ext4') {
      const image = await loopBackingFile(holder.source);
      if (image !== null && basename(image).endsWith(DISK_IMAGE_SUFFIX)) {
        const bytes = (await stat(image)).size;
        return { diskBytes: bytes, disk: { mechanism: 'loop-ext4', image }, mountPoint: holder.mountPoint };
      }
    }
    const supported = await diskQuotaSupport();
    const reason = supported.ok
      ? 'the workspace is not on a drydock disk image (drydock makes one for layered workspaces, and for clones when a disk limit is set: --disk)'
      : supported.reason;
    return { diskBytes: null, disk: { mechanism: 'none', reason } };
  } catch (error) {
    return { diskBytes: null, disk: { mechanism: 'none', reason: reasonOf(error) } };
  }
}

/** Free space below which a quota counts as full: a failed large write leaves a little behind. */
const FULL_BELOW_BYTES = 4 * 1024 * 1024;

/**
 * Whether the file system at `mountPoint` is full: almost no space or no inodes left. With
 * `sawEnospc` (the command's output said so), up to 5% left still counts, since the write that failed
 * may have been large. Never throws.
 */
export async function isDiskFull(mountPoint: string, sawEnospc = false): Promise<boolean> {
  const stats = await statfs(mountPoint).catch(() => null);
  if (stats === null) return false;
  const free = stats.bavail * stats.bsize;
  const size = stats.blocks * stats.bsize;
  if (stats.ffree === 0 || free < FULL_BELOW_BYTES) return true;
  return sawEnospc && free < size * 0.05;
}

/** Matches what tools print for ENOSPC. */
export const ENOSPC_PATTERN = /No space left on device|ENOSPC/;

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}

/** What the agent (and the user) read when the quota is full. */
export function diskFullNote(bytes: number): string {
  return (
    `[drydock: the workspace's disk quota of ${formatBytes(bytes)} is full: writes fail with "No space ` +
    'left on device". Delete files you do not need (build outputs, caches, large downloads), or ask the ' +
    'user to run drydock with a larger quota (--disk <size>, e.g. --disk 20G).]'
  );
}

/** The error a file operation fails with when the quota is full. */
export function diskFullError(bytes: number, cause: unknown): UnavailableError {
  return new UnavailableError('workspace_disk_full', diskFullNote(bytes).slice(1, -1), {
    cause,
    transient: false,
    details: { diskBytes: bytes },
  });
}
