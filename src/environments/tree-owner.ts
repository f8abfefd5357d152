import { execFile } from 'node:child_process';
import { lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { HostUser } from '../core/ports/sandbox.ts';
import { drydockUser, sandboxUser } from '../sandbox/sandbox-user.ts';

const run = promisify(execFile);

/**
 * Who owns a workspace's tree on the host: the sandbox user (src/sandbox/sandbox-user.ts), so the agent
 * can change every file and what it creates is that unprivileged user's, never root's. Null when that
 * is drydock's own user (drydock is not root): nothing is handed over then. The workspace's `.git` is
 * never handed over: it is drydock's (the sandbox sees it read-only, and drydock's git reads it), and
 * in a clone its objects are hard links shared with the user's repository.
 */
export function treeOwner(): HostUser | null {
  const chosen = sandboxUser();
  return chosen.separate ? chosen.user : null;
}

/** Whether a path relative to a workspace's root is drydock's `.git` or in it. Pure. */
export function isDrydockGit(relative: string): boolean {
  return relative === '.git' || relative.startsWith('.git/');
}

function owns(owner: HostUser, stats: { uid: number; gid: number }): boolean {
  return stats.uid === owner.uid && stats.gid === owner.gid;
}

/**
 * Gives every entry of a tree that no sandbox runs on (a fresh clone, a stored layer) to `owner`,
 * `.git` excepted, with lchown (a symlink itself, never what it points at), and the root directory
 * last, so a pass cut short is redone (see ensureTreeOwner). Returns how many entries changed. Cost: an
 * lstat of every entry, a chown of those that were another's.
 */
export async function giveTree(root: string, owner: HostUser): Promise<number> {
  let changed = 0;
  const walk = async (relative: string): Promise<void> => {
    const names = await readdir(relative === '' ? root : join(root, relative));
    await Promise.all(
      names.map(async (name) => {
        const path = relative === '' ? name : `${relative}/${name}`;
        if (isDrydockGit(path)) return;
        const stats = await lstat(join(root, path));
        if (!owns(owner, stats)) {
          await lchown(join(root, path), owner.uid, owner.gid);
          changed++;
        }
        if (stats.isDirectory()) await walk(path);
      }),
    );
  };
  await walk('');
  if (!owns(owner, await lstat(root))) {
    await lchown(root, owner.uid, owner.gid);
    changed++;
  }
  return changed;
}

/**
 * Hands a tree no sandbox runs on to the tree owner when its root is not theirs yet: a clone or a
 * layer made by an older drydock (root's), or for another sandbox user. A no-op costing one lstat
 * otherwise, and wherever drydock is not root.
 */
export async function ensureTreeOwner(root: string): Promise<void> {
  const owner = treeOwner();
  if (owner === null || owns(owner, await lstat(root))) return;
  await giveTree(root, owner);
}

/**
 * Hands to the tree owner what drydock's own git just wrote into a workspace (a checkout writes files
 * as drydock's user), while its sandbox may be running: coreutils `chown -R -P --from=<drydock>` on
 * each top-level entry but `.git`, which walks with descriptors and never follows a symlink, and
 * checks each file's owner on the file it opened, so the agent cannot swap a path for a link to a
 * host file meanwhile. Only drydock's files change. Cost: an lstat of every entry of the workspace.
 */
export async function handOverWrites(workspace: string): Promise<void> {
  const owner = treeOwner();
  if (owner === null) return;
  const entries = (await readdir(workspace)).filter((name) => !isDrydockGit(name));
  if (!owns(owner, await lstat(workspace))) await lchown(workspace, owner.uid, owner.gid);
  if (entries.length === 0) return;
  try {
    await run(
      'chown',
      [
        '-R',
        '-P',
        `--from=${drydockUser().uid}`,
        `${owner.uid}:${owner.gid}`,
        '--',
        ...entries.map((name) => join(workspace, name)),
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    // A file the sandbox's processes deleted meanwhile needs no owner.
    const stderr = (error as { stderr?: string }).stderr ?? '';
    const lines = stderr.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0 || !lines.every((line) => line.includes('No such file or directory'))) throw error;
  }
}
