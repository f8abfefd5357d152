import { chown, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UnavailableError } from '../core/errors.ts';
import type { HostUser } from '../core/ports/sandbox.ts';
import { NO_ISOLATION_HINT } from './bubblewrap-diagnosis.ts';
import { cached } from './cached.ts';
import { findExecutable } from './find-executable.ts';
import { readMounts } from './mount-table.ts';
import {
  type LauncherBind,
  type LauncherBinds,
  mountsKept,
  mountsToDetach,
  runAs,
} from './sandbox-launcher.ts';
import { drydockUser, type SandboxUser } from './sandbox-user.ts';
import { openSharedUserNamespace } from './shared-user-namespace.ts';
import { stagePoints } from './stage-points.ts';

/** An entry's owner and mode, as stat gives them. */
export interface Permissions {
  uid: number;
  gid: number;
  mode: number;
}

/**
 * Whether `user` can reach a file through the directories above it (each one searchable by it) and
 * execute it: by owner, group or other bits, as the kernel decides for a user without capabilities
 * or supplementary groups. `chain` is `/` first, the file last. Pure.
 */
export function reachableBy(user: HostUser, chain: readonly Permissions[]): boolean {
  const allows = (entry: Permissions, bit: number): boolean => {
    if (entry.uid === user.uid) return (entry.mode & (bit << 6)) !== 0;
    if (entry.gid === user.gid) return (entry.mode & (bit << 3)) !== 0;
    return (entry.mode & bit) !== 0;
  };
  return chain.length > 0 && chain.every((entry) => allows(entry, 0o1));
}

/** The permissions of `/`, every directory down to `path` and `path` itself; null where one is missing. */
async function permissionsChain(path: string): Promise<Permissions[] | null> {
  const parts = path.split('/').filter((part) => part !== '');
  const paths = ['/', ...parts.map((_, index) => `/${parts.slice(0, index + 1).join('/')}`)];
  const chain = await Promise.all(paths.map((entry) => stat(entry).catch(() => null)));
  return chain.every((entry) => entry !== null) ? chain : null;
}

/** What starting bubblewrap as the sandbox user takes: setpriv, unshare, mount and umount, all util-linux. */
const TOOLS = ['setpriv', 'unshare', 'mount', 'umount'] as const;
type Tools = Record<(typeof TOOLS)[number], string>;

async function findTools(user: HostUser): Promise<Tools> {
  const found: Partial<Tools> = {};
  const missing: string[] = [];
  for (const name of TOOLS) {
    const path = await findExecutable(name);
    if (path === null) missing.push(name);
    else found[name] = path;
  }
  const { setpriv, unshare, mount, umount } = found;
  if (setpriv === undefined || unshare === undefined || mount === undefined || umount === undefined) {
    throw new UnavailableError(
      'sandbox_tools_missing',
      `drydock runs as root, so it starts every sandbox as the unprivileged host user ${user.uid} with ` +
        `setpriv, unshare, mount and umount, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not ` +
        'on PATH: install util-linux (`apt-get install -y util-linux mount` on Debian and Ubuntu), ' +
        `${NO_ISOLATION_HINT}.`,
      { transient: false },
    );
  }
  return { setpriv, unshare, mount, umount };
}

/** The host paths a sandbox binds from drydock's side. */
export interface SandboxSources {
  workspace: string;
  nodeBinary: string;
  egressSocket?: string | undefined;
  /** An image's root file system, when the sandbox runs on one. */
  root?: string | undefined;
  /** Other host paths bubblewrap reads or runs (the system, /etc, /proc, /dev, the programs it is started through). */
  needed: readonly string[];
}

/** Where bubblewrap finds them, what the launcher binds first, and how it runs bubblewrap. */
export interface Reached extends Omit<SandboxSources, 'needed'> {
  binds: LauncherBinds | undefined;
  asUser(command: string[]): string[];
}

/**
 * How a bubblewrap provider starts its sandboxes as the sandbox user (sandbox-user.ts). Where that is
 * drydock's own user (drydock is not root) everything is as it was: bubblewrap reads the real paths and
 * runs as drydock. Otherwise bubblewrap runs as the sandbox user (setpriv), reaches drydock's sources
 * at stage points the launcher binds first (stage-points.ts), and the workspace's root and the egress
 * socket are handed to that user; drydock's git joins a namespace where both users are mapped.
 */
export interface UserSwitch {
  readonly user: HostUser;
  readonly separate: boolean;
  reach(sources: SandboxSources): Promise<Reached>;
  /** Makes a path (the workspace's root, the proxy's socket) the sandbox user's. */
  handOver(path: string): Promise<void>;
  /** The path drydock's confined git opens the shared user namespace by; null when not separate. */
  sharedUserns(): Promise<string | null>;
}

export function createUserSwitch(identity: SandboxUser): UserSwitch {
  const { user, separate } = identity;
  const tools = cached(() => findTools(user));
  // drydock's Node is usually in /usr/bin, where the sandbox user reaches it: no bind needed then.
  const nodeReachable = new Map<string, Promise<boolean>>();
  const reachesNode = (path: string): Promise<boolean> => {
    let known = nodeReachable.get(path);
    if (known === undefined) {
      known = permissionsChain(path).then((chain) => chain !== null && reachableBy(user, chain));
      nodeReachable.set(path, known);
    }
    return known;
  };
  const userns = cached(async () =>
    separate ? openSharedUserNamespace((await tools()).unshare, [drydockUser(), user]) : null,
  );
  return {
    user,
    separate,

    async reach(sources) {
      if (!separate) {
        const { workspace, nodeBinary, egressSocket, root } = sources;
        return { workspace, nodeBinary, egressSocket, root, binds: undefined, asUser: (command) => command };
      }
      const { setpriv, unshare, mount, umount } = await tools();
      // Made again each time (a mkdir and two opens): a cleaner of /tmp may have taken them meanwhile.
      const stage = await stagePoints();
      const scriptsDir = dirname(dirname(stage.workspace));
      const binds: LauncherBind[] = [{ source: sources.workspace, target: stage.workspace }];
      const nodeBinary = (await reachesNode(sources.nodeBinary)) ? sources.nodeBinary : stage.nodeBinary;
      if (nodeBinary !== sources.nodeBinary) binds.push({ source: sources.nodeBinary, target: nodeBinary });
      if (sources.egressSocket !== undefined) {
        binds.push({ source: sources.egressSocket, target: stage.egressSocket });
      }
      if (sources.root !== undefined) binds.push({ source: sources.root, target: stage.root });
      const keep = [...sources.needed, scriptsDir, nodeBinary];
      const mounts = (await readMounts()).map((entry) => entry.mountPoint);
      const detach = mountsToDetach(mounts, keep);
      return {
        workspace: stage.workspace,
        nodeBinary,
        egressSocket: sources.egressSocket === undefined ? undefined : stage.egressSocket,
        root: sources.root === undefined ? undefined : stage.root,
        binds: {
          unsharePath: unshare,
          mountPath: mount,
          binds,
          umountPath: umount,
          detach,
          kept: mountsKept(mounts, detach),
        },
        asUser: (command) => runAs(setpriv, user, command),
      };
    },

    async handOver(path) {
      if (!separate) return;
      const info = await stat(path);
      if (info.uid !== user.uid || info.gid !== user.gid) await chown(path, user.uid, user.gid);
    },

    sharedUserns: userns,
  };
}
