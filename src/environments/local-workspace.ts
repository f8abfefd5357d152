import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git, tryGit } from '../forge/git.ts';
import { DISK_IMAGE_SUFFIX, diskQuotaSupport, mountDiskVolume } from '../sandbox/disk-quota.ts';
import { readMounts } from '../sandbox/mount-table.ts';
import { ensureTreeOwner, giveTree, treeOwner } from './tree-owner.ts';

/**
 * A session's workspace: a clone of the repository at the base commit, in drydock's data directory.
 * The clone shares object files with the repository through hard links (git objects are immutable,
 * and the sandbox mounts `.git` read-only, so the agent cannot alter them). Its tree is handed to the
 * sandbox user (tree-owner.ts), its `.git` stays drydock's. Idempotent: a workspace that already
 * exists (a resumed session) is kept as it is, but handed over if an older drydock left it root's.
 */
export async function prepareWorkspace(
  repoPath: string,
  baseCommit: string,
  workspacePath: string,
  options: PrepareWorkspaceOptions = {},
): Promise<void> {
  if (options.diskBytes !== undefined && (await quotaApplies(workspacePath))) {
    await prepareOnDisk(repoPath, baseCommit, workspacePath, options.diskBytes);
    return;
  }
  if (await stat(workspacePath).catch(() => null)) {
    const head = await tryGit(['rev-parse', 'HEAD'], { cwd: workspacePath });
    if (head !== null) return ensureTreeOwner(workspacePath);
    // A clone that died half-way: start it again.
    await rm(workspacePath, { recursive: true, force: true });
  }
  await mkdir(dirname(workspacePath), { recursive: true });
  const partial = `${workspacePath}.partial`;
  await rm(partial, { recursive: true, force: true });
  await cloneAt(repoPath, baseCommit, partial);
  await rename(partial, workspacePath);
}

export interface PrepareWorkspaceOptions {
  /**
   * A disk quota: the clone goes on an ext4 image of this size (`<workspace>.disk.img`, see
   * src/sandbox/disk-quota.ts) mounted at the workspace path, which stays the same. The image stays
   * mounted after the run, for diffs and pulls (remountWorkspaceDisk mounts it again after a sweep or
   * a reboot). Git objects are copied into it rather than hard-linked (another file system). Ignored
   * where quotas do not work here, and for a workspace that is a plain clone already.
   */
  diskBytes?: number;
}

async function cloneAt(repoPath: string, baseCommit: string, target: string): Promise<void> {
  await git(['clone', '--quiet', '--no-checkout', repoPath, target], { cwd: dirname(target) });
  if ((await tryGit(['cat-file', '-e', `${baseCommit}^{commit}`], { cwd: target })) === null) {
    // The commit is not reachable from any ref the clone copied (a detached HEAD, say): fetch it.
    await git(['fetch', '--quiet', repoPath, baseCommit], { cwd: target });
  }
  await git(['checkout', '--quiet', '--detach', baseCommit], { cwd: target });
  // No sandbox runs on it yet: a plain walk hands the tree over.
  const owner = treeOwner();
  if (owner !== null) await giveTree(target, owner);
  // The sandbox cannot see the user's repository; a remote pointing at it would only confuse the agent.
  // Removing it is the last step, so a clone without remotes is a finished one.
  await git(['remote', 'remove', 'origin'], { cwd: target });
}

/** The disk image behind a workspace path with a quota. */
export function workspaceDiskImage(workspacePath: string): string {
  return `${workspacePath}${DISK_IMAGE_SUFFIX}`;
}

/** A quota applies to a new workspace, or one on a disk image already; never to an existing plain clone. */
async function quotaApplies(workspacePath: string): Promise<boolean> {
  if (!(await diskQuotaSupport()).ok) return false;
  if (await stat(workspaceDiskImage(workspacePath)).catch(() => null)) return true;
  const entries = await readdir(workspacePath).catch(() => []);
  return entries.length === 0;
}

/** Mounts a workspace's disk image at its path when it has one and it is not mounted (after a sweep or a reboot). */
export async function remountWorkspaceDisk(workspacePath: string): Promise<void> {
  const image = workspaceDiskImage(workspacePath);
  if (!(await stat(image).catch(() => null))) return;
  if ((await readMounts()).some((entry) => entry.mountPoint === workspacePath)) return;
  await mountDiskVolume({ image, mountPoint: workspacePath, bytes: 0 });
}

async function prepareOnDisk(
  repoPath: string,
  baseCommit: string,
  workspacePath: string,
  diskBytes: number,
): Promise<void> {
  const image = workspaceDiskImage(workspacePath);
  await mkdir(dirname(workspacePath), { recursive: true });
  const existed = (await stat(image).catch(() => null)) !== null;
  await remountWorkspaceDisk(workspacePath);
  if (!existed) await mountDiskVolume({ image, mountPoint: workspacePath, bytes: diskBytes });
  const head = await tryGit(['rev-parse', 'HEAD'], { cwd: workspacePath });
  const remotes = await tryGit(['remote'], { cwd: workspacePath });
  if (head !== null && remotes === '') return ensureTreeOwner(workspacePath);
  // A clone that died half-way (or none yet): empty the volume and clone into it, in place.
  for (const entry of await readdir(workspacePath)) {
    await rm(join(workspacePath, entry), { recursive: true, force: true });
  }
  await cloneAt(repoPath, baseCommit, workspacePath);
}
