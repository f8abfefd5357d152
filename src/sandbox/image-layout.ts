import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import type { SandboxRoot } from '../core/ports/sandbox.ts';

/** The PATH of an image that sets none (Docker's default). */
export const DEFAULT_IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Top-level names the sandbox mounts itself over an image root: /proc, /dev and /tmp are the
 * sandbox's own, /sys is never mounted, /workspace is the workspace, and /opt holds drydock's pieces
 * (the image's /opt is bound entry by entry beside them).
 */
const OWN_TOP_LEVEL = new Set(['proc', 'dev', 'sys', 'tmp', 'workspace', 'opt']);

/** drydock's directory under /opt: an image's entry of that name is not bound. */
const DRYDOCK_OPT_ENTRY = 'drydock';

/** One directory entry of an image, as lstat sees it. */
export interface ImageEntry {
  name: string;
  kind: 'directory' | 'file' | 'symlink' | 'other';
  /** A symlink's target, as written. */
  target?: string;
}

/** How an image's root file system becomes the sandbox's system view. */
export interface ImageRootPlan {
  /** Top-level names bound read-only from the image at the same name. */
  binds: string[];
  /** Top-level symlinks recreated (merged /usr: `/bin -> usr/bin`). */
  links: { path: string; target: string }[];
  /** Names under the image's /opt bound read-only at /opt/<name>. */
  opt: string[];
}

/**
 * Which of an image's top-level entries (and of its /opt) the sandbox shows, and how. Pure. Sockets,
 * devices and fifos are never bound; a top-level /opt that is not a directory is left out, since
 * drydock mounts its own pieces under /opt.
 */
export function planImageRoot(topLevel: readonly ImageEntry[], opt: readonly ImageEntry[]): ImageRootPlan {
  const binds: string[] = [];
  const links: ImageRootPlan['links'] = [];
  for (const entry of topLevel) {
    if (OWN_TOP_LEVEL.has(entry.name)) continue;
    if (entry.kind === 'symlink' && entry.target !== undefined) {
      links.push({ path: `/${entry.name}`, target: entry.target });
    } else if (entry.kind === 'directory' || entry.kind === 'file') {
      binds.push(entry.name);
    }
  }
  const optNames = opt
    .filter((entry) => entry.name !== DRYDOCK_OPT_ENTRY && entry.kind !== 'other')
    .map((entry) => entry.name);
  return {
    binds: binds.sort(),
    links: links.sort((a, b) => (a.path < b.path ? -1 : 1)),
    opt: optNames.sort(),
  };
}

/** What the bubblewrap sandbox needs to know of an image root. */
export interface ImageLayout extends ImageRootPlan {
  /** Host path of the root file system. */
  path: string;
  label: string;
  /** What shell commands run with: the image's bash where it has one, else its `/bin/sh`. */
  shell: string;
  /** Whether `git` is on the image's PATH (the agent's tools use it, and fall back without). */
  hasGit: boolean;
  /** The image's environment with its PATH (DEFAULT_IMAGE_PATH when it sets none). */
  env: Record<string, string>;
}

async function entriesOf(dir: string): Promise<ImageEntry[]> {
  const names = await readdir(dir).catch(() => []);
  const entries: ImageEntry[] = [];
  for (const name of names) {
    const info = await lstat(join(dir, name)).catch(() => null);
    if (info === null) continue;
    if (info.isSymbolicLink())
      entries.push({ name, kind: 'symlink', target: await readlink(join(dir, name)) });
    else if (info.isDirectory()) entries.push({ name, kind: 'directory' });
    else entries.push({ name, kind: info.isFile() ? 'file' : 'other' });
  }
  return entries;
}

/**
 * The host path `path` (absolute, inside the image) leads to, following symlinks as the sandbox
 * would: an absolute target starts again at the image's root, never at the host's. Null when
 * something on the way is missing or the links loop.
 */
export async function resolveInImage(root: string, path: string): Promise<string | null> {
  let pending = path.split('/').filter((part) => part !== '');
  let resolved: string[] = [];
  for (let hops = 0; pending.length > 0; ) {
    const [part, ...rest] = pending;
    pending = rest;
    if (part === undefined || part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    const info = await lstat(host).catch(() => null);
    if (info === null) return null;
    if (!info.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) return null;
    const target = await readlink(host);
    if (posix.isAbsolute(target)) resolved = [];
    pending = [...target.split('/').filter((piece) => piece !== ''), ...pending];
  }
  return join(root, ...resolved);
}

async function isFileInImage(root: string, path: string): Promise<boolean> {
  const host = await resolveInImage(root, path);
  return host !== null && ((await lstat(host).catch(() => null))?.isFile() ?? false);
}

/**
 * Reads an image root for the sandbox: its top level, its /opt, its shell and whether it has git.
 * Throws image_root_not_found when `root.path` is not a directory, and image_shell_missing when the
 * image has no `/bin/sh`, since drydock runs commands with a shell.
 */
export async function readImageLayout(root: SandboxRoot): Promise<ImageLayout> {
  const info = await lstat(root.path).catch(() => null);
  if (!info?.isDirectory()) {
    throw new BadInputError(
      'image_root_not_found',
      `The root file system of image ${root.label} (${root.path}) is not a directory: unpack the image again.`,
    );
  }
  if (!(await isFileInImage(root.path, '/bin/sh'))) {
    throw new BadInputError(
      'image_shell_missing',
      `image ${root.label} has no /bin/sh: drydock runs commands with a shell; use an image with one.`,
    );
  }
  const topLevel = await entriesOf(root.path);
  const optInfo = await lstat(join(root.path, 'opt')).catch(() => null);
  const opt = optInfo?.isDirectory() ? await entriesOf(join(root.path, 'opt')) : [];
  const env = { PATH: DEFAULT_IMAGE_PATH, ...root.env };
  const pathDirs = (env.PATH ?? '').split(':').filter((dir) => posix.isAbsolute(dir));
  let hasGit = false;
  for (const dir of pathDirs) {
    if (await isFileInImage(root.path, posix.join(dir, 'git'))) {
      hasGit = true;
      break;
    }
  }
  let shell = '/bin/sh';
  for (const bash of ['/bin/bash', '/usr/bin/bash']) {
    if (await isFileInImage(root.path, bash)) {
      shell = bash;
      break;
    }
  }
  return {
    ...planImageRoot(topLevel, opt),
    path: root.path,
    label: root.label,
    shell,
    hasGit,
    env,
  };
}
