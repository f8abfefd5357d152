import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMountPoint } from './mount-table.ts';

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

/** A private directory (0700) with an empty shared mount point in it. Needs root. */
export async function createSpareMounts(): Promise<SpareMounts> {
  const dir = await mkdtemp(join(tmpdir(), 'drydock-spare-'));
  const mounts = { dir, point: join(dir, 'workspace'), staging: join(dir, 'staging') };
  await mkdir(mounts.point);
  await mkdir(mounts.staging);
  try {
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
  for (const path of [mounts.staging, mounts.point, mounts.dir]) {
    await rmdir(path).catch((error: unknown) => {
      if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
    });
  }
}
