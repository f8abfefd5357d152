import type { Stats } from 'node:fs';
import { chown, link, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkspaceMode, WorkspaceSnapshot } from '../core/ports/sandbox.ts';
import {
  DISK_IMAGE_SUFFIX,
  diskQuotaSupport,
  mountDiskVolume,
  unmountDiskVolume,
} from '../sandbox/disk-quota.ts';
import { mountsUnder } from '../sandbox/mount-table.ts';
import type { LayerStore } from './layer-store.ts';
import {
  DEFAULT_SQUASH_POLICY,
  decideSquash,
  OVERLAY_FIXED_OPTIONS,
  planOverlayMounts,
  type SquashPolicy,
} from './overlay-plan.ts';
import { runProgram } from './run-program.ts';
import { treeOwner } from './tree-owner.ts';
import { stampOwner } from './workspace-owner.ts';

/**
 * A session's workspace made of stored layers plus one writable layer. In `overlay` mode the layers
 * are overlayfs lowers under `<dir>/upper`, merged at `<dir>/merged`; in `copy` mode `<dir>/merged` is
 * a plain copy of them. Either way the sandbox binds `path` as /workspace and drydock's git runs there.
 */
export interface LayeredWorkspace {
  readonly mode: WorkspaceMode;
  /** Host path of the workspace tree. */
  readonly path: string;
  /** The layers under the writable one, bottom first. */
  readonly stack: readonly string[];
  /**
   * Freezes the writable layer into a stored layer and continues on a fresh one. Nothing may use the
   * workspace meanwhile (the overlay is unmounted and mounted again): stop its sandbox first. In
   * overlay mode this renames the upper directory into the store (cost: hashing what changed); in
   * copy mode it copies the whole tree. Returns the new stack; with no change, the same stack.
   */
  freeze(): Promise<WorkspaceSnapshot>;
  /**
   * Captures the writable layer into a stored layer while the workspace stays mounted and in use, so
   * processes keep running. Returns `stack` plus the captured layer, which holds every change since
   * the workspace was opened: files unchanged since the last capture are hard links into that one's
   * layer, so the cost is copying what changed since then plus a stat of everything changed since the
   * workspace was opened. A file written during the capture may be caught half-written, as by any live
   * backup: capture between turns. Copy mode copies the whole tree. With no change, `stack` itself.
   */
  capture(): Promise<WorkspaceSnapshot>;
  /** Unmounts and deletes the writable layer (uncommitted changes are lost). Idempotent. */
  release(): Promise<void>;
}

export interface WorkspaceModeReport {
  mode: WorkspaceMode;
  /** Why this mode: for the log line that says which one is in force. */
  reason: string;
}

/**
 * Whether overlayfs works here: drydock must be root (mounting needs CAP_SYS_ADMIN in the host's
 * namespace), the kernel must know overlay, and a trial mount in the store must succeed (some file
 * systems, such as overlay itself inside a container, cannot be an upper layer).
 */
export async function detectWorkspaceMode(store: LayerStore): Promise<WorkspaceModeReport> {
  if (process.getuid?.() !== 0) {
    return {
      mode: 'copy',
      reason: 'drydock is not root, so it cannot mount overlayfs: workspaces are copies',
    };
  }
  const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  if (!/\toverlay$/m.test(filesystems)) {
    return { mode: 'copy', reason: 'the kernel has no overlayfs (modprobe overlay): workspaces are copies' };
  }
  const trial = await store.stagingDir();
  try {
    for (const name of ['lower', 'upper', 'work', 'merged']) await mkdir(join(trial, name));
    await writeFile(join(trial, 'lower', 'probe'), 'probe');
    const [mount] = planOverlayMounts({
      layers: [join(trial, 'lower')],
      layersRoot: trial,
      upper: join(trial, 'upper'),
      work: join(trial, 'work'),
      merged: join(trial, 'merged'),
      intermediate: (index) => join(trial, `lower-${index}`),
      volatile: true,
    });
    await runProgram('mount', ['-t', 'overlay', 'overlay', '-o', mount!.options, mount!.target]);
    await runProgram('umount', [mount!.target]);
    return { mode: 'overlay', reason: 'overlayfs: copy-on-write layers, snapshots cost what changed' };
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    return {
      mode: 'copy',
      reason: `overlayfs cannot be mounted in ${store.root} (${cause}): workspaces are copies`,
    };
  } finally {
    await rm(trial, { recursive: true, force: true });
  }
}

/**
 * Unmounts everything under `dir`, the overlays before the disk volume their upper layer is on (kept
 * mounted with `keepDisk`).
 */
async function unmountAll(dir: string, keepDisk = false): Promise<void> {
  const volume = join(dir, DISK_MOUNT);
  const points = await mountsUnder(dir);
  for (const point of points) if (point !== volume) await runProgram('umount', [point]);
  if (!keepDisk && points.includes(volume)) await unmountDiskVolume(volume);
}

/**
 * Unmounts and deletes a layered workspace's directory that no process uses any more (what a crashed
 * drydock left: overlays, its disk volume and image). Idempotent.
 */
export async function removeWorkspaceDir(dir: string): Promise<void> {
  await unmountAll(dir);
  await rm(dir, { recursive: true, force: true });
}

/** In a workspace with a disk quota, the writable layer and overlay's work dir live on a disk image mounted here. */
const DISK_MOUNT = 'rw';
const DISK_IMAGE = `rw${DISK_IMAGE_SUFFIX}`;

/** What a capture remembers of a file, to link it instead of copying it next time. */
interface CapturedFile {
  /** Of the upper file when it was captured: a change to it changes this. */
  signature: string;
  /** Of the file in the captured layer. */
  ino: number;
  sha256: string;
}

function signatureOf(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.mode}`;
}

/**
 * Copies the listed entries (NUL-separated on stdin, directories without their contents) from $1 to
 * $2 with tar: it keeps modes, times, symlinks, whiteouts (device nodes, as root) and the opaque
 * xattr, which Node cannot. Files that change or vanish meanwhile are not an error.
 */
const CAPTURE_SCRIPT = [
  'tar -C "$1" --xattrs --xattrs-include=trusted.overlay.opaque --no-recursion --null --ignore-failed-read',
  '--warning=no-file-changed --warning=no-file-removed -T - -cf - |',
  'tar -C "$2" --xattrs --xattrs-include=trusted.overlay.opaque -xpf -',
].join(' ');

/** Every entry under `root`, parents before children. */
async function walkTree(root: string): Promise<{ path: string; stats: Stats }[]> {
  const found: { path: string; stats: Stats }[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const name of (await readdir(relative === '' ? root : join(root, relative))).sort()) {
      const path = relative === '' ? name : `${relative}/${name}`;
      const stats = await lstat(join(root, path)).catch(() => null);
      if (stats === null) continue;
      found.push({ path, stats });
      if (stats.isDirectory()) await walk(path);
    }
  };
  await walk('');
  return found;
}

/** An empty layer, for a stack with nothing in it yet (overlayfs needs one lower). */
async function emptyLayer(store: LayerStore): Promise<string> {
  return (await store.adopt(await store.stagingDir())).id;
}

export interface OpenLayeredWorkspaceOptions {
  store: LayerStore;
  /** A directory of this workspace's own, on the store's file system. Whatever is in it is discarded. */
  dir: string;
  /** Stored layers, bottom first. */
  stack: readonly string[];
  mode: WorkspaceMode;
  /** fsync a frozen layer's files (default true): a snapshot a checkpoint points at must survive a crash. */
  durable?: boolean;
  /**
   * A disk quota on the writable layer (overlay mode): it and the overlay's work dir go on an ext4
   * image of this size (src/sandbox/disk-quota.ts), so writes past it fail with ENOSPC. Where quotas
   * do not work here (not root, no loop devices) the workspace opens without one; `Sandbox.limits`
   * says why. Default: none.
   */
  diskBytes?: number;
  /**
   * A stack deeper than the policy's depth is squashed before it is mounted (squashStack: its bottom
   * layers become one, the newest stay), and the workspace and its snapshots go on from the shallower
   * stack. Default DEFAULT_SQUASH_POLICY; `false` mounts the stack as it is.
   */
  squash?: SquashPolicy | false;
}

/**
 * Copies a whole writable layer (a directory on another file system, so no rename) to $2 with tar,
 * keeping whiteouts, the opaque xattr, modes, times and symlinks.
 */
const COPY_LAYER_SCRIPT = [
  'tar -C "$1" --xattrs --xattrs-include=trusted.overlay.opaque -cf - . |',
  'tar -C "$2" --xattrs --xattrs-include=trusted.overlay.opaque -xpf -',
].join(' ');

export async function openLayeredWorkspace(options: OpenLayeredWorkspaceOptions): Promise<LayeredWorkspace> {
  const { store, dir, mode } = options;
  const durable = options.durable ?? true;
  for (const id of options.stack) {
    if (!(await store.has(id))) throw new Error(`The layer ${id} is not in the store at ${store.root}.`);
    // A layer an older drydock stored as root's: the agent could not change a file of it.
    await store.ensureOwner(id);
  }
  const squashed =
    options.squash === false
      ? [...options.stack]
      : await squashDeepStack(store, options.stack, mode, options.squash);
  const owner = treeOwner();
  // A workspace left by a crashed drydock: its writable layer is not part of any snapshot.
  await unmountAll(dir);
  await rm(dir, { recursive: true, force: true });
  const merged = join(dir, 'merged');
  await mkdir(merged, { recursive: true });
  // So a sweep (workspace-sweep.ts) leaves it alone while this process runs.
  await stampOwner(dir);
  const quota = mode === 'overlay' && options.diskBytes !== undefined && (await diskQuotaSupport()).ok;
  const writableRoot = quota ? join(dir, DISK_MOUNT) : dir;
  const upper = join(writableRoot, 'upper');
  const work = join(writableRoot, 'work');
  const openVolume = async (): Promise<void> => {
    await mountDiskVolume({
      image: join(dir, DISK_IMAGE),
      mountPoint: join(dir, DISK_MOUNT),
      bytes: options.diskBytes!,
    });
  };
  /** The writable layer: the merged root takes its owner, the sandbox user, so the agent may write there. */
  const makeUpper = async (): Promise<void> => {
    await mkdir(upper);
    if (owner !== null) await chown(upper, owner.uid, owner.gid);
  };
  /** A fresh, empty disk volume: the old one's space goes back to the host. */
  const resetVolume = async (): Promise<void> => {
    await unmountDiskVolume(join(dir, DISK_MOUNT));
    await rm(join(dir, DISK_IMAGE), { force: true });
    await openVolume();
    await makeUpper();
    await mkdir(work);
  };
  let stack = squashed;
  let released = false;
  let lastCapture: { layerId: string; files: Map<string, CapturedFile> } | undefined;

  const mount = async (): Promise<void> => {
    if (stack.length === 0) stack = [await emptyLayer(store)];
    const mounts = planOverlayMounts({
      layers: stack.map((id) => store.pathOf(id)),
      layersRoot: store.root,
      upper,
      work,
      merged,
      intermediate: (index) => join(dir, `lower-${index}`),
      volatile: true,
    });
    for (const { target, options: mountOptions, cwd } of mounts) {
      await mkdir(target, { recursive: true });
      await runProgram('mount', ['-t', 'overlay', 'overlay', '-o', mountOptions, target], { cwd });
    }
  };
  const materialize = async (): Promise<void> => {
    for (const id of stack) await runProgram('cp', ['-a', '--reflink=auto', `${store.pathOf(id)}/.`, merged]);
    if (owner !== null) await chown(merged, owner.uid, owner.gid);
  };

  if (mode === 'overlay') {
    try {
      if (quota) await openVolume();
      await makeUpper();
      await mkdir(work);
      await mount();
    } catch (error) {
      await unmountAll(dir).catch(() => {});
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  } else {
    await materialize();
  }

  const workspace: LayeredWorkspace = {
    mode,
    path: merged,
    get stack() {
      return stack;
    },

    async freeze() {
      if (released) throw new Error('The workspace was released.');
      if (mode === 'copy') {
        const staging = await store.stagingDir();
        await runProgram('cp', ['-a', '--reflink=auto', `${merged}/.`, staging]);
        stack = [(await store.adopt(staging, { durable })).id];
        return { layers: [...stack] };
      }
      await unmountAll(dir, true);
      lastCapture = undefined;
      if ((await readdir(upper)).length > 0) {
        // The upper directory becomes the layer as it is: whiteouts and opaque dirs included.
        const target = await store.stagingDir();
        if (quota) {
          // On its own file system: a copy, not a rename.
          try {
            await runProgram('sh', ['-c', COPY_LAYER_SCRIPT, 'drydock-freeze', upper, target]);
          } catch (error) {
            await rm(target, { recursive: true, force: true });
            throw error;
          }
        } else {
          await rm(target, { recursive: true });
          await rename(upper, target);
        }
        const layer = await store.adopt(target, { durable });
        stack = [...stack, layer.id];
        if (!quota) await makeUpper();
      }
      if (quota) {
        await resetVolume();
      } else {
        // A volatile overlay leaves a mark in its work dir that refuses a second mount: start it afresh.
        await rm(work, { recursive: true, force: true });
        await mkdir(work);
      }
      await mount();
      return { layers: [...stack] };
    },

    async capture() {
      if (released) throw new Error('The workspace was released.');
      if (mode === 'copy') return workspace.freeze();
      const found = await walkTree(upper);
      if (found.length === 0) return { layers: [...stack] };
      const previous = lastCapture;
      const toCopy: string[] = [];
      const toLink: string[] = [];
      for (const { path, stats } of found) {
        const unchanged = stats.isFile() && previous?.files.get(path)?.signature === signatureOf(stats);
        (unchanged ? toLink : toCopy).push(path);
      }
      const staging = await store.stagingDir();
      let linkedAll = true;
      try {
        if (toCopy.length > 0) {
          await runProgram('sh', ['-c', CAPTURE_SCRIPT, 'drydock-capture', upper, staging], {
            input: `${toCopy.map((path) => `./${path}`).join('\0')}\0`,
          });
        }
        const unlinked: string[] = [];
        if (previous !== undefined) {
          const from = store.pathOf(previous.layerId);
          for (const path of toLink) {
            // The previous layer pruned under us: copy instead.
            await link(join(from, path), join(staging, path)).catch(() => unlinked.push(path));
          }
        }
        if (unlinked.length > 0) {
          await runProgram('sh', ['-c', CAPTURE_SCRIPT, 'drydock-capture', upper, staging], {
            input: `${unlinked.map((path) => `./${path}`).join('\0')}\0`,
          });
          linkedAll = false;
        }
      } catch (error) {
        await rm(staging, { recursive: true, force: true });
        throw error;
      }
      const signatures = new Map(found.map(({ path, stats }) => [path, signatureOf(stats)]));
      const files = new Map<string, CapturedFile>();
      const knownHashes = new Map<number, string>();
      // By inode, which only holds while the previous layer keeps those inodes alive.
      if (linkedAll)
        for (const file of previous?.files.values() ?? []) knownHashes.set(file.ino, file.sha256);
      const layer = await store.adopt(staging, {
        durable,
        knownHashes,
        onFile: (path, ino, sha256) =>
          files.set(path, { signature: signatures.get(path) ?? '', ino, sha256 }),
      });
      if (layer.reused) {
        // The inodes seen were the staging copy's, deleted now: take the stored layer's.
        for (const [path, file] of files) file.ino = (await lstat(join(store.pathOf(layer.id), path))).ino;
      }
      lastCapture = { layerId: layer.id, files };
      return { layers: [...stack, layer.id] };
    },

    async release() {
      if (released) return;
      released = true;
      await unmountAll(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return workspace;
}

/**
 * The stack as decideSquash wants it: the same tree in at most the policy's depth (several squashes for
 * a stack far past it). Stacks grow by a layer per restore (per snapshot with `restart` snapshots), so
 * this runs on the odd open, not on every one.
 */
async function squashDeepStack(
  store: LayerStore,
  stack: readonly string[],
  mode: WorkspaceMode,
  policy: SquashPolicy = DEFAULT_SQUASH_POLICY,
): Promise<string[]> {
  let layers = [...stack];
  for (;;) {
    const decision = decideSquash(layers.length, policy);
    if (!decision.squash) return layers;
    layers = (await squashStack(store, layers, decision.count, mode)).layers;
  }
}

/**
 * A stack with its bottom `count` layers replaced by one layer holding their merged view: the same
 * tree, fewer layers. Costs a copy of those layers' merged tree, so run it off the hot path.
 */
export async function squashStack(
  store: LayerStore,
  stack: readonly string[],
  count: number,
  mode: WorkspaceMode,
): Promise<WorkspaceSnapshot> {
  if (count < 2 || count > stack.length) return { layers: [...stack] };
  const bottom = stack.slice(0, count);
  const staging = await store.stagingDir();
  const view = await store.stagingDir();
  try {
    if (mode === 'overlay') {
      // Lower-only overlay: read-only, no upper needed.
      // Ids relative to the store's root: 65 bytes a layer, so one page of options holds 60 of them.
      const lowers = [...bottom].reverse().join(':');
      await runProgram(
        'mount',
        ['-t', 'overlay', 'overlay', '-o', [`lowerdir=${lowers}`, ...OVERLAY_FIXED_OPTIONS].join(','), view],
        { cwd: store.root },
      );
      try {
        await runProgram('cp', ['-a', '--reflink=auto', `${view}/.`, staging]);
      } finally {
        await runProgram('umount', [view]);
      }
    } else {
      for (const id of bottom)
        await runProgram('cp', ['-a', '--reflink=auto', `${store.pathOf(id)}/.`, staging]);
    }
    const squashed = await store.adopt(staging, { durable: true });
    return { layers: [squashed.id, ...stack.slice(count)] };
  } finally {
    await rm(view, { recursive: true, force: true });
  }
}
