import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createFileSnapshotStore } from './file-snapshot-store.ts';
import { createS3SnapshotStore } from './s3-snapshot-store.ts';
import { type S3TestServer, startS3TestServer } from './s3-test-server.ts';
import { describeSnapshotStoreContract } from './snapshot-store-contract.ts';

let root: string;
let s3: S3TestServer;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'drydock-file-snapshots-'));
  s3 = await startS3TestServer();
});
afterAll(async () => {
  await s3?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

let stores = 0;
describeSnapshotStoreContract('a directory', async () => createFileSnapshotStore(join(root, `${++stores}`)));
describeSnapshotStoreContract('S3 (s3rver)', async () =>
  createS3SnapshotStore({
    bucket: s3.bucket,
    prefix: `run/${++stores}`,
    endpoint: s3.endpoint,
    credentials: s3.credentials,
  }),
);
