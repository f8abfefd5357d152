import { describe, expect, it } from 'vitest';
import {
  dockerfileBases,
  dockerfileFetches,
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

  it('finds an image however the Dockerfile spells it: continued lines, another escape, --from, a mount', () => {
    expect(dockerfileBases('FROM \\\n  oci:/hidden:x\n')).toEqual(['oci:/hidden:x']);
    expect(dockerfileBases('# escape=`\nFROM `\n  containers-storage:h\n')).toEqual(['containers-storage:h']);
    expect(
      dockerfileBases(
        'FROM node:18 AS build\nFROM scratch\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\n' +
          'COPY --from=oci:/c:x /c /c\nADD --from=docker-archive:/d.tar /d /d\n' +
          'RUN --mount=type=bind,from=oci:/e:x,target=/m true\nRUN --mount=type=cache,target=/n true\n',
      ),
    ).toEqual(['node:18', 'oci:/c:x', 'docker-archive:/d.tar', 'oci:/e:x']);
  });

  it('names what ADD would fetch from the network, and only that', () => {
    expect(
      dockerfileFetches(
        'FROM scratch\nADD http://127.0.0.1:7700/api/sessions /x\nADD \\\n  https://example.org/a.tgz rootfs.tar /y/\n' +
          'ADD git@github.com:o/r.git /r\nADD local.txt /l\nCOPY http://not-fetched /z\n',
      ),
    ).toEqual(['http://127.0.0.1:7700/api/sessions', 'https://example.org/a.tgz', 'git@github.com:o/r.git']);
  });
});
