import { spawn } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pRetry from 'p-retry';
import { InternalError, isDrydockError, NotFoundError } from '../core/errors.ts';
import type { SnapshotStore } from '../core/ports/snapshot-store.ts';
import { OPAQUE_XATTR } from './layer-digest.ts';
import type { LayerStore } from './layer-store.ts';
import { runProgram } from './run-program.ts';

/**
 * Moves layers between this machine's layer store and a snapshot store shared by every machine, so
 * that a snapshot taken here can be restored anywhere.
 */
export interface LayerSync {
  readonly remote: SnapshotStore;
  /**
   * Uploads the layers of `stack` that the snapshot store lacks (asked with `has` first, and
   * remembered, so each layer goes up once). Resolves once all are stored: only then may a
   * checkpoint name the stack.
   */
  upload(stack: readonly string[]): Promise<{ uploaded: number; bytes: number }>;
  /**
   * Fetches the layers of `stack` that the local store lacks, unpacks each into staging, and adopts it
   * only when its content hashes to its id. Throws not_found for a layer the snapshot store lacks and
   * `layer_corrupt` for one whose content does not match.
   */
  fetchMissing(stack: readonly string[]): Promise<{ fetched: number; bytes: number }>;
}

const TAR_FLAGS = ['--xattrs', `--xattrs-include=${OPAQUE_XATTR}`, '--numeric-owner'];

/**
 * Packs a stored layer into a tar file: whiteouts (0/0 character devices), the opaque xattr, modes,
 * owners, times and symlinks, as overlayfs needs them. Returns the file's size.
 */
export async function packLayer(store: LayerStore, id: string, file: string): Promise<number> {
  await runProgram('tar', ['-C', store.pathOf(id), ...TAR_FLAGS, '--sort=name', '-cf', file, '.']);
  return (await stat(file)).size;
}

/** Unpacks a tar stream into `dir` (an empty directory), keeping what packLayer kept. Resolves with the bytes read. */
export function unpackLayer(stream: Readable, dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-C', dir, ...TAR_FLAGS, '-xpf', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    const stderr: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let piped: Error | undefined;
    let bytes = 0;
    const count = async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        bytes += chunk.length;
        yield chunk;
      }
    };
    pipeline(stream, count, child.stdin).catch((error: unknown) => {
      piped = error instanceof Error ? error : new Error(String(error));
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0 && piped === undefined) return resolve(bytes);
      const tail = Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(-3).join(' ');
      reject(
        new Error(`tar -x failed (${signal ?? `exit ${code}`}): ${piped?.message ?? ''} ${tail}`.trim()),
      );
    });
  });
}

/**
 * Retries transient failures (the snapshot store unreachable for a moment): 3 attempts, 0.5 s then 1 s
 * apart. Anything else (a permanent drydock error, a bug) fails at once.
 */
function withRetries<T>(work: () => Promise<T>): Promise<T> {
  return pRetry(work, {
    retries: 2,
    minTimeout: 500,
    factor: 2,
    shouldRetry: ({ error }) => isDrydockError(error) && error.transient,
  });
}

export function createLayerSync(local: LayerStore, remote: SnapshotStore): LayerSync {
  const uploaded = new Set<string>();
  const uploading = new Map<string, Promise<number>>();
  const fetching = new Map<string, Promise<number>>();

  const uploadOne = async (id: string): Promise<number> => {
    if (uploaded.has(id)) return 0;
    if (await remote.has(id)) {
      uploaded.add(id);
      return 0;
    }
    const staging = await local.stagingDir();
    try {
      const file = join(staging, `${id}.tar`);
      const bytes = await packLayer(local, id, file);
      await remote.put(id, file);
      uploaded.add(id);
      return bytes;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  };

  const fetchOne = async (id: string): Promise<number> => {
    if (await local.has(id)) return 0;
    const stream = await remote.get(id);
    if (stream === null) {
      throw new NotFoundError(
        'layer_not_in_snapshot_store',
        `The layer ${id} is neither on this machine (${local.root}) nor in the snapshot store ${remote.location}: the snapshot cannot be restored here. Do all workers use the same DRYDOCK_SNAPSHOT_STORE?`,
      );
    }
    const staging = await local.stagingDir();
    try {
      const bytes = await unpackLayer(stream, staging);
      const adopted = await local.adopt(staging, { durable: true, expectId: id });
      // Fetched layers came from the snapshot store: no need to send them back.
      uploaded.add(adopted.id);
      return bytes;
    } catch (error) {
      stream.destroy();
      await rm(staging, { recursive: true, force: true });
      if (error instanceof InternalError) throw error;
      throw new InternalError(
        'layer_fetch_failed',
        `Could not fetch layer ${id} from the snapshot store ${remote.location}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, transient: true },
      );
    }
  };

  // Concurrent calls for one layer share one transfer.
  const once = (map: Map<string, Promise<number>>, id: string, work: (id: string) => Promise<number>) => {
    let pending = map.get(id);
    if (!pending) {
      pending = work(id).finally(() => map.delete(id));
      map.set(id, pending);
    }
    return pending;
  };

  return {
    remote,

    async upload(stack) {
      let count = 0;
      let bytes = 0;
      for (const id of new Set(stack)) {
        const sent = await once(uploading, id, (layer) => withRetries(() => uploadOne(layer)));
        if (sent > 0) {
          count += 1;
          bytes += sent;
        }
      }
      return { uploaded: count, bytes };
    },

    async fetchMissing(stack) {
      let count = 0;
      let bytes = 0;
      for (const id of new Set(stack)) {
        const received = await once(fetching, id, (layer) => withRetries(() => fetchOne(layer)));
        if (received > 0) {
          count += 1;
          bytes += received;
        }
      }
      return { fetched: count, bytes };
    },
  };
}
