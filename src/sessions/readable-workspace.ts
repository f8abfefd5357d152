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
  const leave = await enterWorkspace(path);
  try {
    return await readWorkspace(deps, sessionId, path, read);
  } finally {
    leave();
  }
}

/**
 * Readers of workspaces in this process, by path, and the run closing one: a run ending (its workspace
 * snapshotted and unmounted) waits for the readers in it, and readers arriving meanwhile wait for the
 * close and then read its snapshot. Without this, a diff asked for as the session was delivered read
 * a workspace being unmounted under it.
 */
const uses = new Map<string, WorkspaceUse>();

interface WorkspaceUse {
  readers: number;
  closing: Promise<void> | null;
  /** Told when the last reader leaves. */
  idle: Array<() => void>;
}

function usageOf(path: string): WorkspaceUse {
  let entry = uses.get(path);
  if (!entry) {
    entry = { readers: 0, closing: null, idle: [] };
    uses.set(path, entry);
  }
  return entry;
}

async function enterWorkspace(path: string): Promise<() => void> {
  for (;;) {
    const entry = usageOf(path);
    if (!entry.closing) {
      entry.readers += 1;
      return () => {
        entry.readers -= 1;
        if (entry.readers > 0) return;
        for (const wake of entry.idle.splice(0)) wake();
        if (!entry.closing) uses.delete(path);
      };
    }
    await entry.closing;
  }
}

/**
 * Runs `close` (a run unmounting its workspace at `path`) once the readers in it are done, holding off
 * new readers until it finished (workspace readers in this process: see withReadableWorkspace).
 */
export async function closeWorkspace<T>(path: string, close: () => Promise<T>): Promise<T> {
  let entry = usageOf(path);
  while (entry.closing) {
    await entry.closing;
    entry = usageOf(path);
  }
  let done!: () => void;
  entry.closing = new Promise<void>((resolve) => {
    done = resolve;
  });
  try {
    if (entry.readers > 0) await new Promise<void>((resolve) => entry.idle.push(resolve));
    return await close();
  } finally {
    entry.closing = null;
    done();
    if (entry.readers === 0) uses.delete(path);
  }
}

async function readWorkspace<T>(
  deps: SessionDeps,
  sessionId: string,
  path: string,
  read: (path: string) => Promise<T>,
): Promise<T> {
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
