import type { Readable } from 'node:stream';

/**
 * Where workspace layers go so that any machine can restore a snapshot: content-addressed blobs (a
 * layer packed as a tar), keyed by the layer's id (the sha256 of its content, see layer-digest.ts).
 * A key's content never changes, so `put` of a stored id may be skipped and readers need no locks.
 * Implementations: a directory (local disk, a shared NFS mount) and S3-compatible object storage.
 * Blobs are written whole or not at all: a reader never sees a partial blob under its key.
 */
export interface SnapshotStore {
  /** Where the blobs live, for messages and logs (never credentials). */
  readonly location: string;
  /** Whether the blob is stored. */
  has(id: string): Promise<boolean>;
  /**
   * Stores the file's bytes under `id`. Idempotent: storing an id again replaces the blob with the
   * same content. Callers check `has` first to upload each layer once.
   */
  put(id: string, file: string): Promise<void>;
  /** The blob's bytes as a stream, or null when it is not stored. */
  get(id: string): Promise<Readable | null>;
  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}
