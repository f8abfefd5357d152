import { join } from 'node:path';
import { remountWorkspaceDisk } from '../environments/local-workspace.ts';
import { readCheckpointHead } from './checkpoint-schema.ts';
import type { SessionDeps } from './session-deps.ts';
import { mountViewIfGone, unmountView } from './session-workspace.ts';

/** Where a session's workspace is on the host: `<home>/sessions/<id>/workspace`. */
export function workspacePathOf(home: string, sessionId: string): string {
  return join(home, 'sessions', sessionId, 'workspace');
}

/**
 * The views of ended layered sessions mounted in this process, by path, with their readers: a mount
 * is process-wide, so concurrent readers (an API diff and a pull) share one and the last one unmounts.
 */
const views = new Map<string, { readers: number; mounted: Promise<boolean> }>();

/**
 * Runs `read` on the session's workspace path for host git (diffs, patches, pulls). An ended layered
 * session keeps no mount: a view of its last snapshot is mounted for the read and unmounted after the
 * last concurrent reader in this process is done. A running session's workspace (or a plain clone,
 * its disk image mounted again if a sweep unmounted it) is read where it is.
 */
export async function withReadableWorkspace<T>(
  deps: SessionDeps,
  sessionId: string,
  read: (path: string) => Promise<T>,
): Promise<T> {
  const path = workspacePathOf(deps.home, sessionId);
  const layers = deps.layers;
  if (!layers) {
    await remountWorkspaceDisk(path).catch(() => {});
    return read(path);
  }
  let view = views.get(path);
  if (!view) {
    const mounted = (async () => {
      await remountWorkspaceDisk(path).catch(() => {});
      const checkpoint = await readCheckpointHead(deps.store, sessionId);
      return mountViewIfGone(layers, path, checkpoint?.workspace).catch(() => false);
    })();
    view = { readers: 0, mounted };
    views.set(path, view);
  }
  view.readers += 1;
  try {
    await view.mounted;
    return await read(path);
  } finally {
    view.readers -= 1;
    if (view.readers === 0) {
      views.delete(path);
      if (await view.mounted.catch(() => false)) await unmountView(path).catch(() => {});
    }
  }
}
