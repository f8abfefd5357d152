import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Whether this machine can build test images: root with buildah, skopeo, umoci and runc (CI installs them). */
export function canBuildImages(): boolean {
  if (process.getuid?.() !== 0) return false;
  return ['buildah', 'skopeo', 'umoci', 'runc'].every((tool) => {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The static busybox Debian's busybox-static package installs (CI installs it; test-images.ts makes its
 * musl image from the same binary).
 */
export function staticBusybox(): string {
  const binary = ['/bin/busybox', '/usr/bin/busybox'].find((path) => existsSync(path));
  if (binary === undefined) throw new Error('no busybox here: apt-get install busybox-static');
  return binary;
}

/** Builds so far in this process: each gets its own file times. */
let builds = 0;

export interface TestImageOptions {
  /** Files of the image's first layer, by path (relative to `/`). */
  files?: Record<string, string>;
  /** A busybox in /bin (with /bin/sh) so the image has a shell. */
  busybox?: boolean;
  /** Dockerfile lines after `FROM scratch` + `COPY rootfs/ /` (ENV, RUN, …). */
  extra?: string[];
  /** FROM this instead of scratch (e.g. another test image's reference). */
  from?: string;
}

/**
 * Builds a small image with buildah (private storage, chroot isolation: no daemon, no registry) and
 * pushes it to an OCI layout under `dir`. Returns the `oci:` reference.
 */
export function buildTestImage(dir: string, name: string, options: TestImageOptions): string {
  mkdirSync(dir, { recursive: true });
  const context = mkdtempSync(join(tmpdir(), 'drydock-image-ctx-'));
  const storage = mkdtempSync(join(tmpdir(), 'drydock-image-storage-'));
  try {
    const rootfs = join(context, 'rootfs');
    mkdirSync(rootfs);
    // A day of its own for this build's files: buildah's vfs storage finds a layer's changes by size and
    // modification time, so a file of a FROM image rewritten with the same size within the same second
    // ('lower' → 'upper') was missed, and the image kept the old content.
    const stamp = new Date(Date.UTC(2000, 0, 1) + builds++ * 86_400_000);
    for (const [path, content] of Object.entries(options.files ?? {})) {
      mkdirSync(dirname(join(rootfs, path)), { recursive: true });
      writeFileSync(join(rootfs, path), content);
      utimesSync(join(rootfs, path), stamp, stamp);
    }
    if (options.busybox) {
      mkdirSync(join(rootfs, 'bin'), { recursive: true });
      cpSync(staticBusybox(), join(rootfs, 'bin', 'busybox'));
      chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
      for (const applet of ['sh', 'cat', 'ls', 'rm', 'echo', 'env', 'id', 'mkdir', 'grep']) {
        symlinkSync('busybox', join(rootfs, 'bin', applet));
      }
    }
    writeFileSync(
      join(context, 'Dockerfile'),
      [`FROM ${options.from ?? 'scratch'}`, 'COPY rootfs/ /', ...(options.extra ?? [])].join('\n'),
    );
    const flags = [
      '--root',
      join(storage, 'root'),
      '--runroot',
      join(storage, 'run'),
      '--storage-driver',
      'vfs',
    ];
    const tag = `localhost/drydock-test-${name}`;
    execFileSync('buildah', [...flags, 'bud', '--isolation', 'chroot', '-q', '-t', tag, context], {
      stdio: 'pipe',
    });
    const reference = `oci:${join(dir, name)}:latest`;
    execFileSync('buildah', [...flags, 'push', '-q', tag, reference], { stdio: 'pipe' });
    return reference;
  } finally {
    rmSync(context, { recursive: true, force: true });
    rmSync(storage, { recursive: true, force: true });
  }
}

/** The image at an `oci:` reference as an `oci-archive:` file (skopeo copy). */
export function toOciArchive(reference: string, file: string): string {
  const archive = `oci-archive:${file}:latest`;
  execFileSync('skopeo', ['copy', '-q', reference, archive], { stdio: 'pipe' });
  return archive;
}
