import { describe, expect, it } from 'vitest';
import { parseSnapshotStoreLocation } from './snapshot-store-config.ts';

describe('DRYDOCK_SNAPSHOT_STORE', () => {
  it.each([
    [undefined, null],
    ['  ', null],
    ['/srv/snapshots', { kind: 'file', root: '/srv/snapshots' }],
    ['file:///srv/snap%20shots', { kind: 'file', root: '/srv/snap shots' }],
    ['s3://my-bucket', { kind: 's3', bucket: 'my-bucket', prefix: '', forcePathStyle: false }],
    [
      's3://drydock/a/b/?endpoint=http://minio.internal:9000&region=eu-west-1',
      {
        kind: 's3',
        bucket: 'drydock',
        prefix: 'a/b',
        endpoint: 'http://minio.internal:9000',
        region: 'eu-west-1',
        forcePathStyle: true,
      },
    ],
    [
      's3://drydock?endpoint=https://r2.example&forcePathStyle=false',
      { kind: 's3', bucket: 'drydock', prefix: '', endpoint: 'https://r2.example', forcePathStyle: false },
    ],
  ])('reads %s', (value, expected) => {
    expect(parseSnapshotStoreLocation(value)).toEqual(expected);
  });

  it.each([
    ['relative/path', /neither an absolute path nor a URL/],
    ['gs://bucket/x', /unsupported scheme "gs:"/],
    ['file://otherhost/x', /remote host/],
    ['s3://B_ad/x', /no valid bucket name/],
    ['s3://drydock?endpoint=minio:9000', /endpoint that is not an http\(s\) URL/],
    ['s3://drydock?endpont=http://x', /unknown parameter "endpont"/],
    ['s3://drydock?forcePathStyle=yes', /forcePathStyle other than true or false/],
  ])('refuses %s, naming the variable and an example', (value, why) => {
    expect(() => parseSnapshotStoreLocation(value)).toThrow(why);
    expect(() => parseSnapshotStoreLocation(value)).toThrow(/DRYDOCK_SNAPSHOT_STORE=.*e\.g\. \/srv/);
  });
});
