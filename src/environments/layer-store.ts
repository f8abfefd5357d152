import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BadInputError, InternalError } from '../core/errors.ts';
import { type DigestOptions, digestTree, type LayerDigest } from './layer-digest.ts';
import { ensureTreeOwner, treeOwner } from './tree-owner.ts';

const LAYER_ID = /^[0-9a-f]{64}$/;
const STAGING = '.staging';

/**
 * Immutable, content-addressed workspace layers under `<home>/layers/<id>`, shared by every session
 * on this machine. A layer is a plain directory in overlayfs's format (whiteouts are 0/0 character
 * devices, opaque directories carry `trusted.overlay.opaque`), so it can be a lowerdir as it is.
 * Nothing ever writes into a stored layer: overlayfs never writes to lower layers, and the store only
 * adds and removes whole layers.
 */
export interface LayerStore {
  /** `<home>/layers`. */
  readonly root: string;
  /** Host path of a layer's directory. Throws bad_input for anything that is not a layer id. */
  pathOf(id: string): string;
  has(id: string): Promise<boolean>;
  /**
   * A new empty directory on the store's file system, for building a layer that `adopt` then moves
   * into place (a rename, so it must be on the same file system).
   */
  stagingDir(): Promise<string>;
  /**
   * Strips what no layer may hold (setuid and setgid bits, device nodes: DigestOptions.strip), gives
   * its tree to the sandbox user (`.git` excepted: DigestOptions.owner), hashes the directory and
   * renames it into the store: no copy. When the layer is stored already,
   * the directory is deleted instead and the existing layer kept. The directory is gone afterwards
   * either way. Cost: reading its files once (and an fsync each when `durable`). With `expectId` (a
   * layer fetched from elsewhere), content that does not hash to that id is deleted, never stored, and
   * the call throws `layer_corrupt`.
   */
  adopt(dir: string, options?: AdoptOptions): Promise<LayerDigest & { reused: boolean }>;
  /**
   * Gives a stored layer's tree to the sandbox user (tree-owner.ts) when it is not theirs: a layer an
   * older drydock stored as root's. Its id does not change. One lstat when it is theirs already.
   */
  ensureOwner(id: string): Promise<void>;
  /** Ids of every stored layer. */
  list(): Promise<string[]>;
  /** Deletes the layers not in `keep` (the layers of every live stack and snapshot). Returns how many went. */
  prune(keep: ReadonlySet<string>): Promise<number>;
}

export interface AdoptOptions extends DigestOptions {
  /** The id the content must hash to. */
  expectId?: string;
}

export function isLayerId(value: string): boolean {
  return LAYER_ID.test(value);
}

export async function createLayerStore(home: string): Promise<LayerStore> {
  const root = join(home, 'layers');
  await mkdir(join(root, STAGING), { recursive: true });

  const pathOf = (id: string): string => {
    if (!isLayerId(id)) throw new BadInputError('bad_layer_id', `"${id}" is not a layer id (64 hex digits).`);
    return join(root, id);
  };
  const list = async (): Promise<string[]> => (await readdir(root)).filter(isLayerId).sort();
  const has = async (id: string): Promise<boolean> =>
    (await stat(pathOf(id)).catch(() => null))?.isDirectory() ?? false;

  return {
    root,
    pathOf,
    has,

    async stagingDir() {
      const dir = join(root, STAGING, randomBytes(8).toString('hex'));
      await mkdir(dir);
      return dir;
    },

    async adopt(dir, options) {
      const digest = await digestTree(dir, { ...options, strip: true, owner: treeOwner() ?? undefined });
      if (options?.expectId !== undefined && digest.id !== options.expectId) {
        await rm(dir, { recursive: true, force: true });
        throw new InternalError(
          'layer_corrupt',
          `A copy of layer ${options.expectId} hashes to ${digest.id}: its content is damaged or not that layer's, so it was not stored.`,
        );
      }
      const target = pathOf(digest.id);
      if (await has(digest.id)) {
        await rm(dir, { recursive: true, force: true });
        return { ...digest, reused: true };
      }
      try {
        await rename(dir, target);
      } catch (error) {
        // Another session stored the same content a moment ago: keep theirs.
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !(await has(digest.id))) throw error;
        await rm(dir, { recursive: true, force: true });
        return { ...digest, reused: true };
      }
      return { ...digest, reused: false };
    },

    async ensureOwner(id) {
      await ensureTreeOwner(pathOf(id));
    },

    list,

    async prune(keep) {
      let removed = 0;
      for (const id of await list()) {
        if (keep.has(id)) continue;
        // Renamed aside first, so a half-deleted layer is never mistaken for a whole one.
        const doomed = join(root, STAGING, `prune-${id}`);
        await rename(join(root, id), doomed);
        await rm(doomed, { recursive: true, force: true });
        removed++;
      }
      return removed;
    },
  };
}
