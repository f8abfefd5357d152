import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DISK_IMAGE_SUFFIX, unmountDiskVolume } from '../sandbox/disk-quota.ts';
import { readMounts } from '../sandbox/mount-table.ts';
import { removeWorkspaceDir } from './layered-workspace.ts';
import { runProgram } from './run-program.ts';
import { unmountStable } from './stable-mount.ts';
import { isOwnerAlive, readOwner } from './workspace-owner.ts';

/**
 * Finds and removes what a crashed drydock leaves of sessions that are not running: layered workspaces
 * (overlay mounts, their disk volumes and images) whose owning process is gone, session views and
 * clone images still mounted for ended sessions, and loop devices nothing mounts. A session's work is
 * never deleted: a view is mounted again from its checkpoint on demand, a clone's image stays and is
 * mounted again on demand (remountWorkspaceDisk); only writable layers no snapshot holds are deleted.
 */

export interface SweepAction {
  action: 'unmount' | 'remove' | 'detach';
  path: string;
  /** Why it is a leftover, for the listing. */
  reason: string;
  /** Set when doing it failed; the sweep goes on with the rest. */
  error?: string;
}

export interface SweepOptions {
  /** Where layered workspaces go (`<home>/overlays`). */
  overlaysDir: string;
  /** Where sessions' workspaces go (`<home>/sessions`, holding `<id>/workspace`). */
  sessionsDir: string;
  /** Whether the session has ended (or does not exist): its mounts are only kept for reading. */
  isEnded(sessionId: string): Promise<boolean>;
  /** List what would be done, do nothing. */
  dryRun?: boolean;
}

/** `<session id>-<8 hex digits>`: createLayeredSandboxes names a workspace's directory so. */
const OVERLAY_DIR = /^(.+)-[0-9a-f]{8}$/;

function superOption(options: string, name: string): string | undefined {
  for (const option of options.split(','))
    if (option.startsWith(`${name}=`)) return option.slice(name.length + 1);
  return undefined;
}

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

export async function sweepWorkspaces(options: SweepOptions): Promise<SweepAction[]> {
  const actions: SweepAction[] = [];
  const act = async (action: SweepAction, run: () => Promise<void>): Promise<void> => {
    actions.push(action);
    if (options.dryRun) return;
    await run().catch((error: unknown) => {
      action.error = error instanceof Error ? error.message : String(error);
    });
  };

  // Layered workspaces: alive while their owner runs; without an owner stamp, while their session runs.
  const overlayDirs = (await readdir(options.overlaysDir).catch(() => [] as string[])).sort();
  const liveOverlays = new Set<string>();
  const deadOverlays: { dir: string; reason: string }[] = [];
  for (const name of overlayDirs) {
    const dir = join(options.overlaysDir, name);
    const owner = await readOwner(dir);
    const sessionId = OVERLAY_DIR.exec(name)?.[1];
    if (owner !== null) {
      if (await isOwnerAlive(owner)) liveOverlays.add(dir);
      else deadOverlays.push({ dir, reason: `its drydock process (pid ${owner.pid}) is gone` });
    } else if (sessionId !== undefined && (await options.isEnded(sessionId))) {
      deadOverlays.push({ dir, reason: `session ${sessionId} has ended` });
    } else {
      liveOverlays.add(dir);
    }
  }

  // Session paths first: a bind of a dead overlay keeps that overlay (and its loop device) alive.
  const mounts = await readMounts();
  for (const sessionId of (await readdir(options.sessionsDir).catch(() => [] as string[])).sort()) {
    const stable = join(options.sessionsDir, sessionId, 'workspace');
    const scratch = `${stable}.view`;
    const mount = mounts.filter((entry) => entry.mountPoint === stable).at(-1);
    const ended = await options.isEnded(sessionId);
    if (mount?.fsType === 'overlay') {
      const upper = superOption(mount.superOptions, 'upperdir') ?? '';
      const overlay = [...liveOverlays].find((dir) => under(upper, dir));
      if (overlay !== undefined) continue;
      if (under(upper, scratch)) {
        if (!ended) continue;
        await act(
          {
            action: 'unmount',
            path: stable,
            reason: `session ${sessionId} has ended (its view mounts again on demand)`,
          },
          () => unmountStable(stable),
        );
      } else {
        await act(
          { action: 'unmount', path: stable, reason: 'it shows a layered workspace that is gone' },
          () => unmountStable(stable),
        );
      }
    } else if (
      mount?.fsType === 'ext4' &&
      ended &&
      (await stat(`${stable}${DISK_IMAGE_SUFFIX}`).catch(() => null))
    ) {
      await act(
        {
          action: 'unmount',
          path: stable,
          reason: `session ${sessionId} has ended (its disk image stays and mounts again on demand)`,
        },
        () => unmountDiskVolume(stable),
      );
    }
    // Its view is unmounted by now (an ended session's always is, above), unless that failed.
    const unmountFailed = actions.some((action) => action.path === stable && action.error !== undefined);
    if (ended && !unmountFailed && (await stat(scratch).catch(() => null))) {
      await act({ action: 'remove', path: scratch, reason: `session ${sessionId} has ended` }, () =>
        rm(scratch, { recursive: true, force: true }),
      );
    }
  }

  for (const { dir, reason } of deadOverlays) {
    await act({ action: 'remove', path: dir, reason }, () => removeWorkspaceDir(dir));
  }

  // Loop devices on drydock's images that nothing mounts (a lazy unmount's, say).
  const sources = new Set((await readMounts()).map((entry) => entry.source));
  for (const device of (await readdir('/sys/block').catch(() => [] as string[])).sort()) {
    if (!device.startsWith('loop') || sources.has(`/dev/${device}`)) continue;
    const backing = (await readFile(`/sys/block/${device}/loop/backing_file`, 'utf8').catch(() => '')).trim();
    const file = backing.replace(/ \(deleted\)$/, '');
    const ours = under(file, options.overlaysDir) || under(file, options.sessionsDir);
    if (!ours || !file.endsWith(DISK_IMAGE_SUFFIX)) continue;
    await act(
      { action: 'detach', path: `/dev/${device}`, reason: `nothing mounts it (${file})` },
      async () => {
        await runProgram('losetup', ['-d', `/dev/${device}`]);
      },
    );
  }
  return actions;
}
