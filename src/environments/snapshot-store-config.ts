import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../core/errors.ts';
import type { SnapshotStore } from '../core/ports/snapshot-store.ts';
import { createFileSnapshotStore } from './file-snapshot-store.ts';
import { createS3SnapshotStore } from './s3-snapshot-store.ts';

/** Where DRYDOCK_SNAPSHOT_STORE points. */
export type SnapshotStoreLocation =
  | { kind: 'file'; root: string }
  | {
      kind: 's3';
      bucket: string;
      prefix: string;
      endpoint?: string;
      region?: string;
      forcePathStyle: boolean;
    };

export const SNAPSHOT_STORE_VARIABLE = 'DRYDOCK_SNAPSHOT_STORE';

const EXAMPLES =
  'e.g. /srv/drydock-snapshots, file:///srv/drydock-snapshots, s3://my-bucket/drydock, or ' +
  's3://drydock/layers?endpoint=http://minio.internal:9000&region=us-east-1';

function bad(value: string, why: string): BadInputError {
  return new BadInputError(
    'bad_snapshot_store',
    `${SNAPSHOT_STORE_VARIABLE}="${value}" ${why}. Set it to a directory or an S3 URL (${EXAMPLES}).`,
  );
}

/**
 * Parses DRYDOCK_SNAPSHOT_STORE: an absolute path or `file://` URL (a directory, e.g. on NFS), or
 * `s3://bucket/prefix` with optional `endpoint`, `region` and `forcePathStyle` query parameters
 * (forcePathStyle defaults to true with an endpoint). Null when unset or empty. Pure.
 */
export function parseSnapshotStoreLocation(value: string | undefined): SnapshotStoreLocation | null {
  const text = value?.trim() ?? '';
  if (text === '') return null;
  if (text.startsWith('/')) return { kind: 'file', root: text };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(text, 'is neither an absolute path nor a URL');
  }
  if (url.protocol === 'file:') {
    if (url.host !== '' && url.host !== 'localhost') throw bad(text, 'names a remote host in a file URL');
    const root = fileURLToPath(url);
    if (!isAbsolute(root)) throw bad(text, 'is not an absolute path');
    return { kind: 'file', root };
  }
  if (url.protocol !== 's3:') throw bad(text, `has the unsupported scheme "${url.protocol}"`);
  const bucket = url.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw bad(text, 'has no valid bucket name');
  const known = new Set(['endpoint', 'region', 'forcePathStyle']);
  for (const key of url.searchParams.keys()) {
    if (!known.has(key))
      throw bad(text, `has an unknown parameter "${key}" (known: ${[...known].join(', ')})`);
  }
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(endpoint);
    } catch {}
    if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:')
      throw bad(text, `has an endpoint that is not an http(s) URL ("${endpoint}")`);
  }
  const region = url.searchParams.get('region') ?? undefined;
  const pathStyle = url.searchParams.get('forcePathStyle');
  if (pathStyle !== null && pathStyle !== 'true' && pathStyle !== 'false')
    throw bad(text, 'has forcePathStyle other than true or false');
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  return {
    kind: 's3',
    bucket,
    prefix,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    forcePathStyle: pathStyle === null ? endpoint !== undefined : pathStyle === 'true',
  };
}

/** The snapshot store DRYDOCK_SNAPSHOT_STORE names (credentials from the AWS variables), or null. */
export async function openSnapshotStore(env: NodeJS.ProcessEnv): Promise<SnapshotStore | null> {
  const location = parseSnapshotStoreLocation(env[SNAPSHOT_STORE_VARIABLE]);
  if (location === null) return null;
  if (location.kind === 'file') return createFileSnapshotStore(location.root);
  return createS3SnapshotStore({
    bucket: location.bucket,
    prefix: location.prefix,
    forcePathStyle: location.forcePathStyle,
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    ...((location.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION)
      ? { region: location.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION }
      : {}),
  });
}
