import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { decorateCurrent } from '../core/decorate.ts';
import { describeError, isUnavailable, UnavailableError } from '../core/errors.ts';
import type { EventData } from '../core/events.ts';
import type { Sandbox, SandboxProvider, SandboxSpec, WorkspaceSnapshot } from '../core/ports/sandbox.ts';
import type { SnapshotStore } from '../core/ports/snapshot-store.ts';
import { createBaseLayer } from '../environments/base-layer.ts';
import { createLayerStore, type LayerStore } from '../environments/layer-store.ts';
import { createLayerSync, type LayerSync } from '../environments/layer-sync.ts';
import {
  createLayeredSandboxes,
  type LayeredSandbox,
  type LayeredSandboxes,
} from '../environments/layered-sandbox.ts';
import { createLayeredSandboxPool, type LayeredSandboxPool } from '../environments/layered-sandbox-pool.ts';
import { detectWorkspaceMode } from '../environments/layered-workspace.ts';
import {
  bindStable,
  isMounted,
  mountSnapshotView,
  removeScratch,
  unmountStable,
} from '../environments/stable-mount.ts';

/** Layered workspaces for sessions (SessionDeps.layers): the sandboxes and the store they share. */
export interface SessionLayers {
  sandboxes: LayeredSandboxes;
  store: LayerStore;
  /**
   * The snapshot store shared by every machine, when workers do not share one DRYDOCK_HOME: the
   * sandboxes upload each snapshot's new layers before the checkpoint names them, and fetch the layers
   * of a stack this machine lacks before mounting it.
   */
  sync?: LayerSync;
  /**
   * Started sandboxes per environment (DRYDOCK_WARM_POOL): a session's first run on an environment
   * image takes one (a hand-off) instead of starting one. Drained when the process stops.
   */
  pool?: LayeredSandboxPool;
}

/**
 * Whether a session runs on layers: only in overlay mode (copy mode keeps the plain clone, whose
 * snapshots would copy the whole tree), and never for a session whose workspace is already a plain
 * clone (one started before layers were on).
 */
export async function usesLayers(
  layers: SessionLayers | undefined,
  stablePath: string,
  snapshot: WorkspaceSnapshot | undefined,
): Promise<boolean> {
  if (layers?.sandboxes.workspaceMode !== 'overlay') return false;
  // A mount there is a layered run's that ended without a snapshot in the checkpoint (a crash).
  if (snapshot || (await isMounted(stablePath))) return true;
  const entries = await readdir(stablePath).catch(() => []);
  return entries.length === 0;
}

/**
 * Layered workspaces for a data directory: the layer store in `<home>/layers`, overlays under
 * `<home>/overlays`. Null, with the reason, where overlayfs cannot be mounted (sessions then keep
 * plain clones: a copy-mode snapshot would copy the whole tree after every step).
 */
export async function openSessionLayers(
  home: string,
  provider: SandboxProvider,
  options: {
    snapshotStore?: SnapshotStore | null;
    /** Started sandboxes kept per environment (0 or absent: none, every session starts its own). */
    warmPool?: number;
    onPoolError?: (error: unknown) => void;
  } = {},
): Promise<{ layers: SessionLayers | null; reason: string }> {
  const store = await createLayerStore(home);
  const { mode, reason } = await detectWorkspaceMode(store);
  if (mode !== 'overlay') return { layers: null, reason };
  const sync = options.snapshotStore ? createLayerSync(store, options.snapshotStore) : undefined;
  const sandboxes = createLayeredSandboxes({
    provider,
    store,
    workspacesDir: join(home, 'overlays'),
    mode,
    ...(sync ? { sync } : {}),
  });
  const pool =
    options.warmPool !== undefined && options.warmPool > 0
      ? createLayeredSandboxPool({
          sandboxes,
          size: options.warmPool,
          ...(options.onPoolError ? { onError: options.onPoolError } : {}),
        })
      : undefined;
  return { layers: { sandboxes, store, ...(sync ? { sync } : {}), ...(pool ? { pool } : {}) }, reason };
}

/**
 * Mounts an ended session's last snapshot at its stable path when nothing is there (an ended layered
 * session keeps no mount). Does nothing when something is mounted (a running session's overlay, or
 * another reader's view) or the path holds files (a plain clone), or without a snapshot. Returns
 * whether it mounted the view, so the caller unmounts it again.
 */
export async function mountViewIfGone(
  layers: SessionLayers,
  stablePath: string,
  snapshot: WorkspaceSnapshot | undefined,
): Promise<boolean> {
  if (!snapshot || (await isMounted(stablePath))) return false;
  const entries = await readdir(stablePath).catch(() => []);
  if (entries.length > 0) return false;
  // The session may have run on another machine.
  await layers.sync?.fetchMissing(snapshot.layers);
  await mountSnapshotView(layers.store, snapshot.layers, stablePath, scratchOf(stablePath));
  return true;
}

/** Unmounts a view mountViewIfGone made and deletes its scratch layer. */
export async function unmountView(stablePath: string): Promise<void> {
  await unmountStable(stablePath);
  await removeScratch(scratchOf(stablePath));
}

/** The ended session's throwaway writable layer, next to the stable path. */
function scratchOf(stablePath: string): string {
  return `${stablePath}.view`;
}

const baseLayers = new Map<string, Promise<string>>();

/** The bottom layer for a repository at a commit: made once per process and commit, then shared. */
export function baseLayerFor(store: LayerStore, repo: string, commit: string): Promise<string> {
  const key = `${store.root}\0${repo}\0${commit}`;
  let pending = baseLayers.get(key);
  if (pending) {
    const cached = pending;
    pending = cached.then(async (id) => ((await store.has(id)) ? id : createBaseLayer(store, repo, commit)));
  } else {
    pending = createBaseLayer(store, repo, commit);
  }
  pending.catch(() => baseLayers.delete(key));
  baseLayers.set(key, pending);
  return pending;
}

export interface SessionWorkspace {
  /** Runs on the current layered sandbox; replaces a dead one from the last snapshot (see below). */
  readonly sandbox: Sandbox;
  /** The layered sandbox that runs the commands now (a restore replaces it). */
  readonly current: LayeredSandbox;
  /** Whether the first sandbox was handed over started from the warm pool. */
  readonly warm: boolean;
  /** Freezes the workspace's changes into a layer; the stack a restore would start from. */
  snapshot(): Promise<WorkspaceSnapshot>;
  /**
   * Ends the run: takes a last snapshot, destroys the sandbox and unmounts the stable path, so an
   * ended session holds no mount; readers mount a view of the snapshot while they read
   * (withReadableWorkspace). Returns the snapshot (null if it failed).
   */
  close(): Promise<WorkspaceSnapshot | null>;
  /**
   * Ends a run whose session another run took over: destroys the sandbox and its overlay, takes no
   * snapshot, and leaves the stable path alone (the other run may have bound its own workspace there;
   * it unmounts this run's bind itself when it opens).
   */
  abandon(): Promise<void>;
}

export interface OpenSessionWorkspaceOptions {
  layers: SessionLayers;
  /** The stack to start on: the checkpoint's last snapshot, or the base layer. */
  snapshot: WorkspaceSnapshot;
  /**
   * Take the first sandbox from the warm pool (`layers.pool`) when it has one for this stack and
   * spec. Only for stacks other sessions start on too (an environment image), never for a restore.
   */
  pooled?: boolean;
  spec: Omit<SandboxSpec, 'workspacePath'>;
  /** `<home>/sessions/<id>/workspace`: the merged view is bound here. */
  stablePath: string;
  /** The snapshot the checkpoint holds now: what a restore starts from. */
  lastSaved(): WorkspaceSnapshot;
  /** Records `sandbox.restored`. */
  onRestored(event: EventData): Promise<void>;
}

/**
 * A session's sandbox on a layered workspace, whose merged view is bound at the stable path. When an
 * operation fails because the sandbox died (`sandbox_died`), the sandbox is destroyed and a new one
 * started on the last saved snapshot (the checkpoint's, taken after the last agent step), the stable
 * path is bound to it, `sandbox.restored` is recorded, and the operation fails with a message saying
 * so: nothing is lost but the command in flight and changes since the last step.
 */
export async function openSessionWorkspace(options: OpenSessionWorkspaceOptions): Promise<SessionWorkspace> {
  const { layers, stablePath } = options;
  await unmountStable(stablePath);
  await removeScratch(scratchOf(stablePath));
  const pool = options.pooled ? layers.pool : undefined;
  const first = pool
    ? await pool.acquire(options.snapshot, options.spec)
    : { sandbox: await layers.sandboxes.start(options.snapshot, options.spec), warm: false };
  let current: LayeredSandbox = first.sandbox;
  try {
    await bindStable(current.hostWorkspacePath, stablePath);
  } catch (error) {
    await current.destroy().catch(() => {});
    throw error;
  }
  let closed = false;
  let restoring: Promise<void> | undefined;

  const restore = async (dead: LayeredSandbox, reason: string): Promise<void> => {
    if (current !== dead) return;
    const from = options.lastSaved();
    await unmountStable(stablePath);
    await dead.destroy().catch(() => {});
    current = await layers.sandboxes.start(from, options.spec);
    await bindStable(current.hostWorkspacePath, stablePath);
    await options.onRestored({ type: 'sandbox.restored', fromLayers: [...from.layers], reason });
  };

  async function guarded<T>(op: (sandbox: Sandbox) => Promise<T>): Promise<T> {
    const used = current;
    try {
      return await op(used);
    } catch (error) {
      if (closed || !isUnavailable(error, 'sandbox_died')) throw error;
      const reason = describeError(error);
      restoring ??= restore(used, reason).finally(() => {
        restoring = undefined;
      });
      await restoring;
      throw new UnavailableError(
        'sandbox_restored',
        `The sandbox died while running this (${reason}). drydock replaced it from the snapshot taken ` +
          'after the last step: changes made since then are lost, everything before is there. ' +
          'Background processes were stopped. Run the command again if it is still needed.',
      );
    }
  }

  // Every call of every method but destroy() goes through guarded(), on the sandbox current then.
  const sandbox = decorateCurrent<Sandbox>(
    () => current,
    {
      async destroy() {
        closed = true;
        await unmountStable(stablePath);
        await current.destroy();
      },
    },
    { around: (call) => guarded(async (used) => call(used)) },
  );

  return {
    sandbox,
    get current() {
      return current;
    },
    warm: first.warm,
    async snapshot() {
      await restoring?.catch(() => {});
      return current.snapshot();
    },
    async close() {
      await restoring?.catch(() => {});
      closed = true;
      const last = await current.snapshot().catch(() => null);
      await unmountStable(stablePath).catch(() => {});
      await current.destroy().catch(() => {});
      return last;
    },
    async abandon() {
      await restoring?.catch(() => {});
      closed = true;
      await current.destroy().catch(() => {});
    },
  };
}
