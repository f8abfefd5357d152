import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { chmod, lchown, lstat, open, readdir, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostUser } from '../core/ports/sandbox.ts';
import { runProgram } from './run-program.ts';
import { isDrydockGit } from './tree-owner.ts';

/** The xattr overlayfs marks an opaque directory with: the layers below it do not show through. */
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** One entry of a layer, as it is hashed. Paths are relative to the layer root, `/`-separated. */
export type LayerEntry =
  | { path: string; type: 'directory'; mode: number; opaque: boolean }
  | { path: string; type: 'file'; mode: number; size: number; sha256: string }
  | { path: string; type: 'symlink'; target: string }
  /** A character device 0/0: overlayfs's mark for "deleted in this layer". */
  | { path: string; type: 'whiteout' }
  | { path: string; type: 'other'; mode: number };

export interface LayerDigest {
  /** sha256 of the canonical listing of the entries. */
  id: string;
  entries: number;
  /** Bytes of regular files. */
  bytes: number;
}

export interface DigestOptions {
  /** sha256 of files already known by inode (hard links to a stored layer): not read again. */
  knownHashes?: ReadonlyMap<number, string>;
  /** Told the inode and hash of every regular file, to pass as knownHashes next time. */
  onFile?: (path: string, ino: number, sha256: string) => void;
  /**
   * Make the tree durable, so the layer survives a power cut: an fsync per file and directory while
   * reading it, or one syncfs of the file system for big trees.
   */
  durable?: boolean;
  /**
   * Make the tree what a layer may hold first: setuid and setgid bits cleared, device nodes deleted
   * (whiteouts, overlayfs's 0/0 character devices, excepted). The agent's `chmod 4755` of a binary must
   * not become a setuid program in the store, wherever the store is unpacked.
   */
  strip?: boolean;
  /**
   * Give every entry but `.git` (and the root) to this user first: a layer's tree is the sandbox
   * user's (tree-owner.ts), whoever made or sent it. Owners are not part of a layer's id.
   */
  owner?: HostUser | undefined;
}

const HASH_CONCURRENCY = 8;
const SYNC_EACH_MAX_ENTRIES = 2000;

function isWhiteout(stats: Stats): boolean {
  return stats.isCharacterDevice() && stats.rdev === 0;
}

/** A block or character device that is not a whiteout. */
function isDevice(stats: Stats): boolean {
  return stats.isBlockDevice() || (stats.isCharacterDevice() && !isWhiteout(stats));
}

const SETID_BITS = 0o6000;

async function hashFile(path: string, durable: boolean): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
    if (durable) await handle.sync();
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Which of `dirs` (relative to `root`) carry the opaque xattr. Node has no xattr API, so GNU tar
 * (present on every Debian-like system) lists the directories' headers, no contents, and the pax
 * records it writes for xattrs are read here.
 */
export async function findOpaqueDirs(root: string, dirs: readonly string[]): Promise<Set<string>> {
  const opaque = new Set<string>();
  if (dirs.length === 0) return opaque;
  const archive = await runProgram(
    'tar',
    [
      '--xattrs',
      `--xattrs-include=${OPAQUE_XATTR}`,
      '--no-recursion',
      '--null',
      '-C',
      root,
      '-cf',
      '-',
      '-T',
      '-',
    ],
    { input: `${dirs.map((dir) => `./${dir}`).join('\0')}\0` },
  );
  let pending: Map<string, string> | undefined;
  for (let offset = 0; offset + 512 <= archive.length; ) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number): string =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const data = archive.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pending = new Map();
      for (let at = 0; at < data.length; ) {
        const space = data.indexOf(0x20, at);
        const length = Number.parseInt(data.subarray(at, space).toString('utf8'), 10);
        if (!(length > 0)) break;
        const record = data.subarray(space + 1, at + length - 1).toString('utf8');
        const equals = record.indexOf('=');
        pending.set(record.slice(0, equals), record.slice(equals + 1));
        at += length;
      }
      continue;
    }
    const prefix = field(345, 155);
    const name = pending?.get('path') ?? (prefix === '' ? field(0, 100) : `${prefix}/${field(0, 100)}`);
    if (pending?.get(`SCHILY.xattr.${OPAQUE_XATTR}`) === 'y') {
      opaque.add(name.replace(/^\.\//, '').replace(/\/$/, ''));
    }
    pending = undefined;
  }
  return opaque;
}

/** Every entry under `root` (not the root itself), sorted by path. */
export async function listLayerEntries(root: string, options: DigestOptions = {}): Promise<LayerEntry[]> {
  const durable = options.durable ?? false;
  const found: { path: string; stats: Stats }[] = [];
  const walk = async (relative: string): Promise<void> => {
    const names = await readdir(relative === '' ? root : join(root, relative));
    const stats = await Promise.all(
      names.map(async (name) => {
        const path = relative === '' ? name : `${relative}/${name}`;
        return { path, stats: await lstat(join(root, path)) };
      }),
    );
    for (const entry of stats) {
      found.push(entry);
      if (entry.stats.isDirectory()) await walk(entry.path);
    }
  };
  await walk('');
  // Past a few thousand entries one syncfs beats an fsync per file (a base checkout: 50,000 of them).
  const syncEach = durable && found.length <= SYNC_EACH_MAX_ENTRIES;
  const dirs = found.filter((entry) => entry.stats.isDirectory()).map((entry) => entry.path);
  const opaque = await findOpaqueDirs(root, dirs);
  const entries: (LayerEntry | null)[] = new Array(found.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < found.length) {
      const index = next++;
      const { path, stats } = found[index]!;
      const full = join(root, path);
      let mode = stats.mode & 0o7777;
      if (options.strip && isDevice(stats)) {
        await rm(full);
        entries[index] = null;
        continue;
      }
      const { owner } = options;
      if (
        owner !== undefined &&
        !isDrydockGit(path) &&
        (stats.uid !== owner.uid || stats.gid !== owner.gid)
      ) {
        await lchown(full, owner.uid, owner.gid);
      }
      if (options.strip && (mode & SETID_BITS) !== 0 && (stats.isFile() || stats.isDirectory())) {
        mode &= ~SETID_BITS;
        await chmod(full, mode);
      }
      if (stats.isFile()) {
        // A file known by inode is a hard link into a stored layer: durable and hashed already.
        const known = options.knownHashes?.get(stats.ino);
        const sha256 = known ?? (await hashFile(full, syncEach));
        options.onFile?.(path, stats.ino, sha256);
        entries[index] = { path, type: 'file', mode, size: stats.size, sha256 };
      } else if (stats.isDirectory()) {
        if (syncEach) await syncPath(full);
        entries[index] = { path, type: 'directory', mode, opaque: opaque.has(path) };
      } else if (stats.isSymbolicLink()) {
        entries[index] = { path, type: 'symlink', target: await readlink(full) };
      } else if (isWhiteout(stats)) {
        entries[index] = { path, type: 'whiteout' };
      } else {
        entries[index] = { path, type: 'other', mode: stats.mode };
      }
    }
  };
  await Promise.all(Array.from({ length: HASH_CONCURRENCY }, worker));
  const { owner } = options;
  if (owner !== undefined) {
    // Last, as giveTree does: a root that is the owner's says the whole tree is.
    const rootStats = await lstat(root);
    if (rootStats.uid !== owner.uid || rootStats.gid !== owner.gid) await lchown(root, owner.uid, owner.gid);
  }
  if (durable && !syncEach) await runProgram('sync', ['-f', root]);
  if (durable) await syncPath(root);
  return entries
    .filter((entry) => entry !== null)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** One line per entry; the layer's id is the sha256 of these lines. Pure. */
export function canonicalLine(entry: LayerEntry): string {
  switch (entry.type) {
    case 'directory':
      return `d ${entry.mode.toString(8)} ${entry.opaque ? 'opaque' : '-'} ${JSON.stringify(entry.path)}`;
    case 'file':
      return `f ${entry.mode.toString(8)} ${entry.sha256} ${JSON.stringify(entry.path)}`;
    case 'symlink':
      return `l ${JSON.stringify(entry.target)} ${JSON.stringify(entry.path)}`;
    case 'whiteout':
      return `w ${JSON.stringify(entry.path)}`;
    case 'other':
      return `o ${entry.mode.toString(8)} ${JSON.stringify(entry.path)}`;
  }
}

/** The content address of a layer: paths, modes, file hashes, symlink targets, whiteouts and opaque dirs. */
export function digestEntries(entries: readonly LayerEntry[]): LayerDigest {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const entry of entries) {
    hash.update(`${canonicalLine(entry)}\n`);
    if (entry.type === 'file') bytes += entry.size;
  }
  return { id: hash.digest('hex'), entries: entries.length, bytes };
}

/** Reads and hashes the tree under `root`. Cost: reading every file once. */
export async function digestTree(root: string, options: DigestOptions = {}): Promise<LayerDigest> {
  return digestEntries(await listLayerEntries(root, options));
}
