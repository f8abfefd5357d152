import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isMountPoint } from '../sandbox/mount-table.ts';
import type { LayerStore } from './layer-store.ts';
import { OVERLAY_FIXED_OPTIONS } from './overlay-plan.ts';
import { runProgram } from './run-program.ts';

/**
 * A session's workspace at a stable host path (`<home>/sessions/<id>/workspace`) while the overlay
 * behind it changes: a bind mount of the live overlay's merged directory while a sandbox runs, and a
 * view of the last snapshot's layers once the session has ended. Host git, delivery, the
 * server's diff routes and `drydock pull` only ever use the stable path.
 */

/** Unmounts whatever is mounted at `path` (stacked mounts too). Idempotent. */
export async function unmountStable(path: string): Promise<void> {
  while (await isMountPoint(path)) await runProgram('umount', [path]);
}

/** Makes `path` show `source` (the live overlay's merged directory), replacing what was there. */
export async function bindStable(source: string, path: string): Promise<void> {
  await unmountStable(path);
  await mkdir(path, { recursive: true });
  await runProgram('mount', ['--bind', source, path]);
}

/**
 * Makes `path` a view of a snapshot's layers (bottom first) for an ended session: an overlay over a
 * throwaway writable layer in `scratch` (host git may write there, as `git add` with a temporary
 * index writes objects), so the snapshot itself never changes. A new turn mounts its own overlay over
 * the same layers and the scratch layer is deleted then.
 */
export async function mountSnapshotView(
  store: LayerStore,
  layers: readonly string[],
  path: string,
  scratch: string,
): Promise<void> {
  await unmountStable(path);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(join(scratch, 'upper'), { recursive: true });
  await mkdir(join(scratch, 'work'));
  await mkdir(path, { recursive: true });
  const lowerdir = layers
    .map((id) => store.pathOf(id))
    .reverse()
    .join(':');
  const options = [
    `lowerdir=${lowerdir}`,
    `upperdir=${join(scratch, 'upper')}`,
    `workdir=${join(scratch, 'work')}`,
    'volatile',
    ...OVERLAY_FIXED_OPTIONS,
  ].join(',');
  await runProgram('mount', ['-t', 'overlay', 'overlay', '-o', options, path]);
}

/** Deletes an ended session's scratch layer (after unmountStable). */
export async function removeScratch(scratch: string): Promise<void> {
  await rm(scratch, { recursive: true, force: true });
}

export async function isMounted(path: string): Promise<boolean> {
  return isMountPoint(path);
}
