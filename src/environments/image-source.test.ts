import { describe, expect, it } from 'vitest';
import {
  dockerfileBases,
  isLocalReference,
  pinReference,
  registryOf,
  transportReference,
} from './image-source.ts';

describe('image references', () => {
  it.each([
    ['debian:12', 'docker://debian:12', 'docker://debian@sha256:abc', 'docker.io', false],
    [
      'ghcr.io/acme/dev:1',
      'docker://ghcr.io/acme/dev:1',
      'docker://ghcr.io/acme/dev@sha256:abc',
      'ghcr.io',
      false,
    ],
    [
      'localhost:5000/x',
      'docker://localhost:5000/x',
      'docker://localhost:5000/x@sha256:abc',
      'localhost:5000',
      false,
    ],
    [
      'docker://alpine@sha256:old',
      'docker://alpine@sha256:old',
      'docker://alpine@sha256:abc',
      'docker.io',
      false,
    ],
    ['oci:/images/x:latest', 'oci:/images/x:latest', 'oci:/images/x:latest', null, true],
    ['oci-archive:/x.tar', 'oci-archive:/x.tar', 'oci-archive:/x.tar', null, true],
    [
      'containers-storage:localhost/x',
      'containers-storage:localhost/x',
      'containers-storage:localhost/x',
      null,
      true,
    ],
  ])('%s', (reference, transport, pinned, registry, local) => {
    expect(transportReference(reference)).toBe(transport);
    expect(pinReference(reference, 'sha256:abc')).toBe(pinned);
    expect(registryOf(reference)).toBe(registry);
    expect(isLocalReference(reference)).toBe(local);
  });

  it('reads the base images of a Dockerfile, not scratch or its own stages', () => {
    expect(
      dockerfileBases(
        'FROM --platform=linux/amd64 node:18 AS build\nRUN x\nfrom scratch\nFROM build\nFROM oci:/x:y',
      ),
    ).toEqual(['node:18', 'oci:/x:y']);
  });
});
