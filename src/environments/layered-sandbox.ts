import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { decorateCurrent } from '../core/decorate.ts';
import type {
  LayeredSandboxProvider,
  Sandbox,
  SandboxProvider,
  SandboxSpec,
  SnapshottingSandbox,
  WorkspaceMode,
  WorkspaceSnapshot,
} from '../core/ports/sandbox.ts';
import type { LayerStore } from './layer-store.ts';
import type { LayerSync } from './layer-sync.ts';
import { type LayeredWorkspace, openLayeredWorkspace } from './layered-workspace.ts';

export interface LayeredSandboxesOptions {
  /** Starts the sandbox on the workspace's merged directory (bubblewrap, host, …). */
  provider: SandboxProvider;
  store: LayerStore;
  /** Where each sandbox's writable layer and mount points go: on the store's file system. */
  workspacesDir: string;
  /** From detectWorkspaceMode. */
  mode: WorkspaceMode;
  /** fsync frozen layers (default true). */
  durable?: boolean;
  /**
   * `live` (default): snapshot() captures the writable layer while the sandbox runs on, processes
   * and all (LayeredWorkspace.capture). `restart`: it stops the sandbox, renames the writable layer
   * into the store and starts a new sandbox on the new stack (LayeredWorkspace.freeze): cheaper per
   * changed byte, but background processes die.
   */
  snapshotMode?: 'live' | 'restart';
  /**
   * A snapshot store shared by every machine: start() fetches the stack's layers this machine lacks,
   * and snapshot() resolves only once the snapshot's layers are uploaded, so a checkpoint never names
   * a layer that another machine cannot fetch.
   */
  sync?: LayerSync;
}

export interface LayeredSandbox extends SnapshottingSandbox {
  /** The sandbox that currently runs the commands; replaced by every snapshot. */
  readonly current: Sandbox;
}

export interface LayeredSandboxes extends LayeredSandboxProvider {
  start(snapshot: WorkspaceSnapshot, spec: Omit<SandboxSpec, 'workspacePath'>): Promise<LayeredSandbox>;
}

/**
 * Sandboxes on layered workspaces. By default a snapshot copies the writable layer into the store
 * while the sandbox runs on (see LayeredWorkspace.capture). With `snapshotMode: 'restart'` it stops
 * the sandbox, freezes the writable layer (a rename into the store plus hashing what changed) and
 * starts a new sandbox on the new stack behind the same handle; processes cannot survive that, since
 * overlayfs forbids changing a mounted overlay's upper layer.
 */
export function createLayeredSandboxes(options: LayeredSandboxesOptions): LayeredSandboxes {
  const { provider, store, mode } = options;
  const snapshotMode = options.snapshotMode ?? 'live';

  async function start(
    snapshot: WorkspaceSnapshot,
    spec: Omit<SandboxSpec, 'workspacePath'>,
  ): Promise<LayeredSandbox> {
    await options.sync?.fetchMissing(snapshot.layers);
    const dir = join(options.workspacesDir, `${spec.sessionId}-${randomBytes(4).toString('hex')}`);
    const workspace: LayeredWorkspace = await openLayeredWorkspace({
      store,
      dir,
      stack: snapshot.layers,
      mode,
      durable: options.durable,
      diskBytes: spec.limits?.diskBytes,
    });
    const launch = (): Promise<Sandbox> => provider.create({ ...spec, workspacePath: workspace.path });
    let current: Sandbox;
    try {
      current = await launch();
    } catch (error) {
      await workspace.release();
      throw error;
    }
    let destroyed = false;
    let snapshotting: Promise<WorkspaceSnapshot> | undefined;

    let last: WorkspaceSnapshot = { layers: [...workspace.stack] };
    const snapshotNow = async (): Promise<WorkspaceSnapshot> => {
      let next: WorkspaceSnapshot;
      if (snapshotMode === 'live') {
        next = await workspace.capture();
      } else {
        await current.destroy();
        next = await workspace.freeze();
        current = await launch();
      }
      await options.sync?.upload(next.layers);
      last = next;
      return last;
    };

    // Every member but these is the current sandbox's, which a restart-mode snapshot replaces.
    return decorateCurrent(() => current, {
      get current() {
        return current;
      },
      workspaceMode: mode,
      hostWorkspacePath: workspace.path,
      get stack() {
        return last.layers;
      },

      snapshot() {
        if (destroyed) return Promise.reject(new Error('The sandbox was destroyed.'));
        // Concurrent calls share one snapshot rather than racing to unmount.
        snapshotting ??= snapshotNow().finally(() => {
          snapshotting = undefined;
        });
        return snapshotting;
      },

      async destroy() {
        destroyed = true;
        await snapshotting?.catch(() => {});
        await current.destroy();
        await workspace.release();
      },
    });
  }

  return { workspaceMode: mode, start };
}
