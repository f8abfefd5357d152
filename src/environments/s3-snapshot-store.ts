import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { UnavailableError } from '../core/errors.ts';
import type { SnapshotStore } from '../core/ports/snapshot-store.ts';
import { blobId } from './file-snapshot-store.ts';

export interface S3SnapshotStoreOptions {
  bucket: string;
  /** Key prefix, without leading or trailing slash; blobs are `<prefix>/layers/<id>.tar`. */
  prefix?: string;
  /** An S3-compatible server (MinIO, Ceph, R2, …); unset for AWS. */
  endpoint?: string;
  region?: string;
  /** `http://endpoint/bucket/key` rather than `http://bucket.endpoint/key`: most self-hosted servers need it. */
  forcePathStyle?: boolean;
  /** Default: the AWS SDK's chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance roles). */
  credentials?: S3ClientConfig['credentials'];
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * A snapshot store in an S3 bucket (AWS or any S3-compatible server). A PutObject is atomic: a key
 * holds the whole blob or nothing. Blobs go up in one request, so one layer is at most 5 GB.
 */
export function createS3SnapshotStore(options: S3SnapshotStoreOptions): SnapshotStore {
  const client = new S3Client({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // The SDK's default checksums stream uploads as aws-chunked, which many S3-compatible servers store
    // verbatim. Integrity does not depend on them: a fetched layer is hashed against its id.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const prefix = options.prefix ? `${options.prefix.replace(/^\/+|\/+$/g, '')}/` : '';
  const keyOf = (id: string) => `${prefix}layers/${blobId(id)}.tar`;
  const location = `s3://${options.bucket}/${prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
  const failed = (what: string, error: unknown) =>
    new UnavailableError(
      'snapshot_store_unavailable',
      `Could not ${what} in the snapshot store ${location}: ${error instanceof Error ? error.message : String(error)}. Check DRYDOCK_SNAPSHOT_STORE, the bucket and the AWS credentials.`,
      { cause: error, transient: true },
    );

  return {
    location,

    async has(id) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: options.bucket, Key: keyOf(id) }));
        return true;
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw failed(`look up layer ${id}`, error);
      }
    },

    async put(id, file) {
      const key = keyOf(id);
      const { size } = await stat(file);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: options.bucket,
            Key: key,
            Body: createReadStream(file),
            ContentLength: size,
            ContentType: 'application/x-tar',
          }),
        );
      } catch (error) {
        throw failed(`upload layer ${id}`, error);
      }
    },

    async get(id) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: keyOf(id) }));
        if (!(object.Body instanceof Readable)) throw new Error('the response has no body stream');
        return object.Body;
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw failed(`download layer ${id}`, error);
      }
    },

    async close() {
      client.destroy();
    },
  };
}
