import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMountPoint } from './mount-table.ts';
import { isOwnerAlive, readOwner, stampOwner } from './process-owner.ts';

/**
 * The mount points of a spare sandbox (one started before its workspace is known): bubblewrap binds
 * `point` as /workspace while it is still empty, and the workspace is mounted on it at hand-off. For
 * that mount to reach a sandbox already running, `point` is a shared mount of its own peer group and
 * the sandbox's launcher takes the host's mounts as a slave (sandbox-launcher.ts): mounts travel
 * from the host into the sandbox, never back. The tree is put together at `staging` first, in a
 * private mount, so its read-only parts are read-only before the sandbox can see them.
 */
export interface SpareMounts {
  dir: string;
  point: string;
  staging: string;
}

function run(file: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error === null) return resolve();
      const tail = `${stderr}`.trim().split('\n').slice(-3).join(' ');
      reject(new Error(`${file} failed: ${tail || error.message}`));
    });
  });
}

const PREPARE_SCRIPT = [
  'mount --bind "$1" "$1"',
  'mount --make-private "$1"',
  'mount --bind "$2" "$2"',
  'mount --make-shared "$2"',
].join(' && ');

/** `<tmp>/drydock-spare-*`: what the sweep looks at. */
const SPARE_DIR_PREFIX = 'drydock-spare-';

function spareMountsIn(dir: string): SpareMounts {
  return { dir, point: join(dir, 'workspace'), staging: join(dir, 'staging') };
}

/**
 * A private directory (0700) with an empty shared mount point in it, stamped as this process's (the
 * sweep leaves it alone while this process runs). Needs root.
 */
export async function createSpareMounts(): Promise<SpareMounts> {
  const dir = await mkdtemp(join(tmpdir(), SPARE_DIR_PREFIX));
  const mounts = spareMountsIn(dir);
  try {
    await stampOwner(dir);
    await mkdir(mounts.point);
    await mkdir(mounts.staging);
    await run('/bin/sh', ['-c', PREPARE_SCRIPT, 'drydock-spare', dir, mounts.point]);
  } catch (error) {
    await releaseSpareMounts(mounts).catch(() => {});
    throw error;
  }
  return mounts;
}

/** A path as fstab(5) spells it: blanks, newlines and backslashes octal-escaped. */
export function fstabPath(path: string): string {
  return path.replace(/[\\ \t\n]/g, (char) => `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/**
 * The fstab that binds the workspace at staging, nosuid and nodev as bubblewrap binds it, and then
 * each read-only path read-only on itself there. Not recursive: a mount inside the workspace stays
 * out of the sandbox. Pure.
 */
export function stagingFstab(workspace: string, staging: string, readOnlyPaths: readonly string[]): string {
  const line = (source: string, target: string, options: string): string =>
    `${fstabPath(source)} ${fstabPath(target)} none ${options} 0 0\n`;
  return [
    line(workspace, staging, 'bind,nosuid,nodev'),
    ...readOnlyPaths.map((path) => line(join(staging, path), join(staging, path), 'bind,ro,nosuid,nodev')),
  ].join('');
}

/**
 * Mounts `workspace` (a real path) at the spare's point, with `readOnlyPaths` (relative, checked not
 * to be symlinks: workspace-path.ts) read-only: put together at staging (one mount(8) for all), then
 * bound at the point, whence it propagates with its flags into the sandbox. Flags set by a remount
 * do not propagate: hence staging first. The sandbox sees the workspace at /workspace from then on;
 * staging stays mounted until releaseSpareMounts.
 */
export async function attachWorkspace(
  mounts: SpareMounts,
  workspace: string,
  readOnlyPaths: readonly string[],
): Promise<void> {
  const fstab = join(mounts.dir, 'fstab');
  await writeFile(fstab, stagingFstab(workspace, mounts.staging, readOnlyPaths), { mode: 0o600 });
  // mount -a goes on past a failed line: the tree reaches the point only when every line held.
  await run('mount', ['-a', '--fstab', fstab]);
  await run('mount', ['--rbind', mounts.staging, mounts.point]);
}

/**
 * Unmounts everything at the point and the directory itself, then removes the (empty) directories:
 * rmdir only, never a recursive delete, so a workspace still mounted there is never touched.
 * Lazily, since a sandbox's last processes may still be leaving. Idempotent.
 */
export async function releaseSpareMounts(mounts: SpareMounts): Promise<void> {
  for (const path of [mounts.staging, mounts.point, mounts.dir]) {
    for (let i = 0; i < 8 && (await isMountPoint(path)); i++) await run('umount', ['-R', '-l', path]);
  }
  await rm(join(mounts.dir, 'fstab'), { force: true });
  await rm(join(mounts.dir, 'owner'), { force: true });
  for (const path of [mounts.staging, mounts.point, mounts.dir]) {
    await rmdir(path).catch((error: unknown) => {
      if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
    });
  }
}

export interface SpareSweepOptions {
  /** Where spares' directories are. Default: the system's temporary directory. */
  tmpDir?: string;
  /** A directory without an owner stamp younger than this is a spare being made. Default 60 s. */
  minAgeMs?: number;
  dryRun?: boolean;
  now?: number;
  /** Only directories whose path passes (tests keep to their own). Default: all. */
  only?: (dir: string) => boolean;
}

/**
 * Releases what a crashed drydock left of its spare sandboxes (`<tmp>/drydock-spare-*`: the mount
 * point, with a session's workspace on it once handed over, and the staging tree binding that
 * workspace), as releaseSpareMounts does: a directory whose owner still runs (another drydock on this
 * machine) is left alone. The sandboxes themselves died with their drydock (bubblewrap's
 * --die-with-parent). Run before the workspace sweep, whose overlays these binds would keep in use.
 * Never throws: a directory it could not release is listed with the error.
 */
export async function sweepSpareMounts(
  options: SpareSweepOptions = {},
): Promise<{ dir: string; error?: string }[]> {
  const parent = options.tmpDir ?? tmpdir();
  const minAgeMs = options.minAgeMs ?? 60_000;
  const now = options.now ?? Date.now();
  const names = await readdir(parent).catch(() => [] as string[]);
  const swept: { dir: string; error?: string }[] = [];
  for (const name of names.filter((each) => each.startsWith(SPARE_DIR_PREFIX)).sort()) {
    const dir = join(parent, name);
    if (options.only !== undefined && !options.only(dir)) continue;
    const info = await lstat(dir).catch(() => null);
    if (info === null || !info.isDirectory()) continue;
    const owner = await readOwner(dir);
    if (owner === null ? now - info.ctimeMs < minAgeMs : await isOwnerAlive(owner)) continue;
    if (options.dryRun) {
      swept.push({ dir });
      continue;
    }
    await releaseSpareMounts(spareMountsIn(dir)).then(
      () => swept.push({ dir }),
      (error: unknown) => swept.push({ dir, error: error instanceof Error ? error.message : String(error) }),
    );
  }
  return swept;
}
