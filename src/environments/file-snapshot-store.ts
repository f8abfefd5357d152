import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import type { SnapshotStore } from '../core/ports/snapshot-store.ts';
import { isLayerId } from './layer-store.ts';

/** Checks a blob id: layer ids only, so a key can never name a path outside the store. */
export function blobId(id: string): string {
  if (!isLayerId(id)) throw new BadInputError('bad_layer_id', `"${id}" is not a layer id (64 hex digits).`);
  return id;
}

/**
 * A snapshot store in a directory: `<root>/layers/<id>.tar`. Any file system works; for several
 * machines, one they all mount (NFS). A blob is written to a temporary name, fsynced and renamed, so
 * a reader (or a crash) never sees a partial one.
 */
export async function createFileSnapshotStore(root: string): Promise<SnapshotStore> {
  const dir = join(root, 'layers');
  await mkdir(dir, { recursive: true });
  const pathOf = (id: string) => join(dir, `${blobId(id)}.tar`);
  return {
    location: root,

    async has(id) {
      return (await stat(pathOf(id)).catch(() => null))?.isFile() ?? false;
    },

    async put(id, file) {
      const target = pathOf(id);
      const temporary = join(dir, `.${id}.${randomBytes(6).toString('hex')}.partial`);
      try {
        await copyFile(file, temporary);
        const handle = await open(temporary, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, target);
      } finally {
        await rm(temporary, { force: true });
      }
    },

    async get(id) {
      const path = pathOf(id);
      // Opened before it is returned, so a missing blob is null rather than a stream that errors.
      const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      return handle ? createReadStream(path, { fd: handle }) : null;
    },

    async close() {},
  };
}
