import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonValue, Store } from '../core/ports/store.ts';
import { isTerminal } from '../core/session-state.ts';
import { recordedImageLayers } from '../environments/image-record.ts';
import { imageRecordsDir } from '../environments/image-roots.ts';
import type { LayerStore } from '../environments/layer-store.ts';
import { type SweepAction, sweepWorkspaces } from '../environments/workspace-sweep.ts';
import { parseCheckpointHead } from './checkpoint-schema.ts';

/**
 * Cleaning up after sessions: what a crashed drydock left mounted (run at every start of `run`, `up`
 * and `worker`), and layers no checkpoint or environment image references (`drydock gc`).
 */

/** Leftovers of sessions that are not running (see workspace-sweep.ts). */
export async function sweepSessionLeftovers(
  deps: { store: Pick<Store, 'getSession'>; home: string },
  options: { dryRun?: boolean } = {},
): Promise<SweepAction[]> {
  const actions = await sweepWorkspaces({
    overlaysDir: join(deps.home, 'overlays'),
    sessionsDir: join(deps.home, 'sessions'),
    isEnded: async (sessionId) => {
      const session = await deps.store.getSession(sessionId);
      return session === null || isTerminal(session.state);
    },
    dryRun: options.dryRun ?? false,
  });
  return actions;
}

/** What finding the referenced layers reads from the store. */
export type LayerReferences = Pick<Store, 'listSessions' | 'loadCheckpoint' | 'listEnvironments'>;

/** Every session's last snapshot, and every environment image's layers and image root. */
export async function referencedLayers(store: LayerReferences): Promise<Set<string>> {
  const referenced = new Set<string>();
  for (const session of await store.listSessions({ limit: Number.MAX_SAFE_INTEGER })) {
    for (const id of checkpointLayers(await store.loadCheckpoint(session.id))) referenced.add(id);
  }
  for (const image of await store.listEnvironments()) {
    for (const id of image.layers) referenced.add(id);
    if (image.imageRoot) referenced.add(image.imageRoot.layer);
  }
  return referenced;
}

/**
 * The layers a stored checkpoint holds on to. One this drydock cannot read (a newer version's) keeps
 * every layer id it mentions: a sweep must never delete what a session may resume from.
 */
export function checkpointLayers(stored: JsonValue | null): string[] {
  if (stored === null) return [];
  try {
    return parseCheckpointHead(stored).workspace?.layers ?? [];
  } catch {
    return JSON.stringify(stored).match(LAYER_ID) ?? [];
  }
}

const LAYER_ID = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g;

/** Layer ids a mounted overlay uses (running sandboxes, session views), from the mount table. */
export async function mountedLayers(): Promise<Set<string>> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const ids = new Set<string>();
  for (const line of info.split('\n')) {
    if (!line.includes(' - overlay ')) continue;
    for (const id of line.match(LAYER_ID) ?? []) ids.add(id);
  }
  return ids;
}

export interface StoredLayer {
  id: string;
  /** Since it was stored (its directory's ctime: the rename into the store). */
  ageMs: number;
}

/**
 * The layers to delete: neither referenced by a checkpoint or image, nor used by a mounted overlay,
 * nor younger than the grace period (a snapshot is stored a moment before the checkpoint naming it,
 * and a base layer before the first snapshot). Pure.
 */
export function layersToPrune(
  stored: readonly StoredLayer[],
  keep: { referenced: ReadonlySet<string>; mounted: ReadonlySet<string>; graceMs: number },
): string[] {
  return stored
    .filter(({ id, ageMs }) => !keep.referenced.has(id) && !keep.mounted.has(id) && ageMs >= keep.graceMs)
    .map(({ id }) => id);
}

/** Every id but the excluded ones: so prune() keeps a layer stored after the listing, too. */
class AllExcept extends Set<string> {
  readonly #excluded: ReadonlySet<string>;
  constructor(excluded: ReadonlySet<string>) {
    super();
    this.#excluded = excluded;
  }
  override has(id: string): boolean {
    return !this.#excluded.has(id);
  }
}

/** Deletes (or with dryRun lists) the layers layersToPrune picks. Default grace: one hour. */
export async function pruneLayers(
  store: LayerReferences,
  layers: LayerStore,
  options: { dryRun?: boolean; graceMs?: number; now?: number } = {},
): Promise<{ removed: string[]; kept: number }> {
  const now = options.now ?? Date.now();
  const stored: StoredLayer[] = [];
  for (const id of await layers.list()) {
    const info = await lstat(layers.pathOf(id)).catch(() => null);
    if (info !== null) stored.push({ id, ageMs: now - info.ctimeMs });
  }
  const referenced = await referencedLayers(store);
  // An unpacked image's root stays while its record does: a running sandbox may have it as its `/`.
  for (const id of await recordedImageLayers(imageRecordsDir(layers))) referenced.add(id);
  const doomed = layersToPrune(stored, {
    referenced,
    mounted: await mountedLayers(),
    graceMs: options.graceMs ?? 60 * 60 * 1000,
  });
  if (!options.dryRun) await layers.prune(new AllExcept(new Set(doomed)));
  return { removed: doomed, kept: stored.length - doomed.length };
}
