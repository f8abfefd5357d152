import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDrydockError } from '../src/core/errors.ts';
import { createImageRoots, type ImageProgress, sandboxRootOf } from '../src/environments/image-roots.ts';
import type { ImageSource } from '../src/environments/image-source.ts';
import { createLayerStore, type LayerStore } from '../src/environments/layer-store.ts';
import { createRedactor } from '../src/environments/redactor.ts';
import { buildTestImage, canBuildImages, toOciArchive } from './support/oci-images.ts';
import { removeTestDir } from './support/remove-dir.ts';

const NO_REDACTION = createRedactor([]);

function commitAll(repo: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  execFileSync('git', ['-C', repo, 'add', '-A']);
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '-qm', 'c']);
  return execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
}

describe.skipIf(!canBuildImages())('image roots: pulled or built, unpacked once into a layer', () => {
  let dir: string;
  let images: string;
  let store: LayerStore;
  let repo: string;
  let commit: string;
  let marker: string;

  beforeAll(async () => {
    // Lowercase: buildah names an image from its oci: path, and image names are lowercase.
    dir = join(tmpdir(), `drydock-image-roots-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir);
    images = join(dir, 'oci');
    store = await createLayerStore(join(dir, 'home'));
    repo = join(dir, 'repo');
    mkdirSync(repo);
    execFileSync('git', ['init', '-q', repo]);
    commit = commitAll(repo, { 'README.md': 'hi\n' });
    // Two layers: the second deletes a file of the first (a whiteout umoci must apply).
    const lower = buildTestImage(images, 'lower', {
      files: { 'etc/os-release': 'ID=drydock-test\nVERSION_ID=1\n', 'etc/doomed': 'x', marker: 'lower' },
      extra: ['ENV GREETING=hello PATH=/usr/local/bin:/bin', 'WORKDIR /srv'],
    });
    marker = buildTestImage(images, 'marker', {
      from: lower,
      files: { marker: 'upper' },
      busybox: true,
      extra: ['RUN rm /etc/doomed'],
    });
  }, 120_000);

  afterAll(async () => {
    await removeTestDir(dir);
  });

  const pullSource = (reference: string): ImageSource => ({
    kind: 'pull',
    reference,
    credentials: null,
    declaredIn: '.drydock/config.yaml',
  });

  it('unpacks an oci: image into one layer with the image config, and a second use unpacks nothing', async () => {
    const roots = createImageRoots({ store, dir: join(dir, 'home', 'images'), allowLocal: true });
    const steps: ImageProgress[] = [];
    const first = await roots.prepare({
      source: pullSource(marker),
      repo,
      commit,
      credentials: null,
      redact: NO_REDACTION,
      onProgress: (progress) => {
        steps.push(progress);
      },
    });
    expect(first.unpacked).toBe(true);
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const rootfs = store.pathOf(first.layer);
    expect(readFileSync(join(rootfs, 'etc/os-release'), 'utf8')).toContain('ID=drydock-test');
    expect(readFileSync(join(rootfs, 'marker'), 'utf8')).toBe('upper');
    // The upper layer's `rm` is a whiteout: the file is gone, not shown from the lower layer.
    expect(existsSync(join(rootfs, 'etc/doomed'))).toBe(false);
    expect(first.env).toMatchObject({ GREETING: 'hello', PATH: '/usr/local/bin:/bin' });
    expect(first.workingDir).toBe('/srv');
    expect(new Set(steps.filter((step) => step.line === undefined).map((step) => step.step))).toEqual(
      new Set(['resolving', 'pulling', 'unpacking', 'storing']),
    );

    const second = await roots.prepare({
      source: pullSource(marker),
      repo,
      commit,
      credentials: null,
      redact: NO_REDACTION,
    });
    expect(second).toMatchObject({ unpacked: false, layer: first.layer, digest: first.digest });
    // Nothing left in staging: the work directory goes either way.
    expect(readdirSync(join(store.root, '.staging'))).toEqual([]);

    const root = sandboxRootOf(second, store, { EXTRA: '1' });
    expect(root).toEqual({
      path: rootfs,
      label: `${marker}@${first.digest}`,
      env: { ...first.env, EXTRA: '1' },
    });
  }, 120_000);

  it('takes an oci-archive: reference too', async () => {
    const archive = toOciArchive(marker, join(dir, 'marker.tar'));
    const roots = createImageRoots({ store, dir: join(dir, 'home', 'images-archive'), allowLocal: true });
    const prepared = await roots.prepare({
      source: pullSource(archive),
      repo,
      commit,
      credentials: null,
      redact: NO_REDACTION,
    });
    expect(readFileSync(join(store.pathOf(prepared.layer), 'marker'), 'utf8')).toBe('upper');
  }, 60_000);

  it('builds a Dockerfile from the repository at the commit, keyed by its content and context', async () => {
    const built = commitAll(repo, {
      '.devcontainer/Dockerfile': `FROM ${marker}\nARG NOTE\nCOPY note.txt /note.txt\nRUN echo "$NOTE" > /arg.txt && rm /marker\n`,
      '.devcontainer/note.txt': 'from the context\n',
    });
    const source: ImageSource = {
      kind: 'build',
      dockerfile: '.devcontainer/Dockerfile',
      context: '.devcontainer',
      args: { NOTE: 'an argument' },
      credentials: null,
      declaredIn: '.devcontainer/devcontainer.json',
    };
    const roots = createImageRoots({ store, dir: join(dir, 'home', 'images'), allowLocal: true });
    const lines: string[] = [];
    const first = await roots.prepare({
      source,
      repo,
      commit: built,
      credentials: null,
      redact: NO_REDACTION,
      onProgress: (progress) => {
        if (progress.line) lines.push(progress.line);
      },
    });
    expect(first.unpacked).toBe(true);
    expect(first.digest).toMatch(/^build:[0-9a-f]{64}$/);
    const rootfs = store.pathOf(first.layer);
    expect(readFileSync(join(rootfs, 'note.txt'), 'utf8')).toBe('from the context\n');
    expect(readFileSync(join(rootfs, 'arg.txt'), 'utf8')).toBe('an argument\n');
    expect(existsSync(join(rootfs, 'marker'))).toBe(false);
    expect(lines.some((line) => line.includes('STEP'))).toBe(true);

    const again = await roots.prepare({
      source,
      repo,
      commit: built,
      credentials: null,
      redact: NO_REDACTION,
    });
    expect(again).toMatchObject({ unpacked: false, layer: first.layer });
    // A new build argument is a new image.
    const changed = await roots.prepare({
      source: { ...source, args: { NOTE: 'another' } },
      repo,
      commit: built,
      credentials: null,
      redact: NO_REDACTION,
    });
    expect(changed.digest).not.toBe(first.digest);
    expect(readFileSync(join(store.pathOf(changed.layer), 'arg.txt'), 'utf8')).toBe('another\n');
  }, 180_000);

  it("gives a Dockerfile's RUN steps no network: not the host's loopback, where drydock's own services listen", async () => {
    // A service on the host's loopback, as drydock's API or its database would be.
    const requests: string[] = [];
    const server = createServer((request, response) => {
      requests.push(request.url ?? '');
      response.end('secret\n');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    try {
      const hostile = commitAll(repo, {
        '.devcontainer/Dockerfile': `FROM ${marker}\nRUN (wget -q -O /loot http://127.0.0.1:${port}/from-run && echo reached || echo blocked) > /net.txt\n`,
      });
      const roots = createImageRoots({ store, dir: join(dir, 'home', 'images-net'), allowLocal: true });
      const prepared = await roots.prepare({
        source: {
          kind: 'build',
          dockerfile: '.devcontainer/Dockerfile',
          context: '.devcontainer',
          args: {},
          credentials: null,
          declaredIn: '.devcontainer/devcontainer.json',
        },
        repo,
        commit: hostile,
        credentials: null,
        redact: NO_REDACTION,
      });
      const rootfs = store.pathOf(prepared.layer);
      // The step ran (its file is in the image) and could not connect.
      expect(readFileSync(join(rootfs, 'net.txt'), 'utf8')).toBe('blocked\n');
      expect(existsSync(join(rootfs, 'loot'))).toBe(false);
      expect(requests).toEqual([]);
    } finally {
      server.close();
    }
  }, 180_000);

  it('refuses a local image unless the operator allows them', async () => {
    const roots = createImageRoots({ store, dir: join(dir, 'home', 'images') });
    const error = await roots
      .prepare({ source: pullSource(marker), repo, commit, credentials: null, redact: NO_REDACTION })
      .catch((caught: unknown) => caught);
    expect(isDrydockError(error) && error.code).toBe('local_image_refused');
    expect(String(error)).toContain('DRYDOCK_LOCAL_IMAGES=1');
  });

  it("refuses a Dockerfile that reaches the host: a local image behind a continued line, an ADD from the host's loopback", async () => {
    const requests: string[] = [];
    const server = createServer((request, response) => {
      requests.push(request.url ?? '');
      response.end('secret\n');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const build = (dockerfile: string): ImageSource => ({
      kind: 'build',
      dockerfile,
      context: '.devcontainer',
      args: {},
      credentials: null,
      declaredIn: '.devcontainer/devcontainer.json',
    });
    try {
      const hostile = commitAll(repo, {
        '.devcontainer/Hidden.Dockerfile': `FROM \\\n  ${marker}\n`,
        '.devcontainer/Fetch.Dockerfile': `FROM scratch\nADD http://127.0.0.1:${port}/api /loot\n`,
      });
      const refusal = (dockerfile: string, allowLocal: boolean) =>
        createImageRoots({ store, dir: join(dir, 'home', 'images-refused'), allowLocal })
          .prepare({
            source: build(dockerfile),
            repo,
            commit: hostile,
            credentials: null,
            redact: NO_REDACTION,
          })
          .then(
            () => 'built',
            (error: unknown) => (isDrydockError(error) ? error.code : String(error)),
          );
      expect(await refusal('.devcontainer/Hidden.Dockerfile', false)).toBe('local_image_refused');
      // Even where local images are allowed: buildah would fetch it on drydock's host.
      expect(await refusal('.devcontainer/Fetch.Dockerfile', true)).toBe('dockerfile_fetch_refused');
      expect(requests).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('names the missing tool and the package to install', async () => {
    const bin = join(dir, 'bin-without-skopeo');
    mkdirSync(bin, { recursive: true });
    const roots = createImageRoots({
      store,
      dir: join(dir, 'home', 'images'),
      allowLocal: true,
      searchPath: bin,
    });
    const error = await roots
      .prepare({ source: pullSource(marker), repo, commit, credentials: null, redact: NO_REDACTION })
      .catch((caught: unknown) => caught);
    expect(isDrydockError(error) && error.code).toBe('image_tool_missing');
    expect(String(error)).toMatch(/needs skopeo.*apt-get install skopeo umoci buildah/s);
  });

  it('never shows registry credentials: not in errors, not in progress', async () => {
    const secret = 'robot:s3cr3t-registry-token';
    const redact = createRedactor([{ name: 'REGISTRY', value: secret }]);
    const roots = createImageRoots({ store, dir: join(dir, 'home', 'images') });
    const seen: string[] = [];
    const error = await roots
      .prepare({
        // Nothing listens there: the pull fails, and its message must not carry the credentials.
        source: { ...pullSource(`127.0.0.1:1/private/image:1`), credentials: 'REGISTRY' },
        repo,
        commit,
        credentials: secret,
        redact,
        onProgress: (progress) => {
          seen.push(JSON.stringify(progress));
        },
      })
      .catch((caught: unknown) => caught);
    expect(isDrydockError(error) && error.code).toBe('image_pull_failed');
    for (const text of [String(error), ...seen]) {
      expect(text).not.toContain('s3cr3t');
      expect(text).not.toContain(Buffer.from(secret).toString('base64'));
    }
    // The auth file went with the work directory.
    expect(readdirSync(join(store.root, '.staging'))).toEqual([]);
  }, 60_000);
});
