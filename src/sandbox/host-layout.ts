import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** What bubblewrap must know about the host's filesystem to build a read-only system view. */
export interface HostLayout {
  /** Top-level symlinks to recreate as symlinks (merged /usr: `/bin -> usr/bin`). */
  systemLinks: { path: string; target: string }[];
  /** System directories to bind read-only. */
  systemDirs: string[];
  /** Files under /etc to hide behind /dev/null. */
  maskedFiles: string[];
  /** Directories under /etc to hide behind an empty read-only tmpfs. */
  maskedDirs: string[];
}

const TOP_LEVEL = ['/bin', '/lib', '/lib32', '/lib64', '/libx32', '/sbin'];

/**
 * Secrets hidden even if someone made them world-readable. The sandbox user may map to the host user
 * running drydock (a drydock that is not root; drydock's own confined git runs as root), so owner
 * permissions would otherwise let it read that user's private files.
 */
const ALWAYS_MASKED = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/ssl/private',
  '/etc/security/opasswd',
];

async function kindOf(path: string): Promise<'file' | 'directory' | 'symlink' | 'other' | null> {
  const info = await lstat(path).catch(() => null);
  if (info === null) return null;
  if (info.isSymbolicLink()) return 'symlink';
  if (info.isDirectory()) return 'directory';
  return info.isFile() ? 'file' : 'other';
}

/** Every entry under dir that is not world-readable (not descending into those), plus SSH host keys. */
async function findPrivateEntries(dir: string, found: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isSymbolicLink()) continue;
    const path = join(dir, entry.name);
    const info = await lstat(path).catch(() => null);
    if (info === null) continue;
    const isHostKey = dir === '/etc/ssh' && entry.name.endsWith('_key');
    if ((info.mode & 0o004) === 0 || isHostKey) found.push(path);
    else if (entry.isDirectory()) await findPrivateEntries(path, found);
  }
}

/** Reads the host layout. Scanning /etc takes tens of milliseconds, so providers cache the result. */
export async function readHostLayout(): Promise<HostLayout> {
  const systemLinks: HostLayout['systemLinks'] = [];
  const systemDirs = ['/usr'];
  for (const path of TOP_LEVEL) {
    const kind = await kindOf(path);
    if (kind === 'symlink') systemLinks.push({ path, target: await readlink(path) });
    else if (kind === 'directory') systemDirs.push(path);
  }

  const candidates: string[] = [];
  await findPrivateEntries('/etc', candidates);
  candidates.push(...ALWAYS_MASKED);
  const maskedFiles: string[] = [];
  const maskedDirs: string[] = [];
  for (const path of [...new Set(candidates)].sort()) {
    // A path inside a masked directory is already hidden (and no longer exists to bind over).
    if (maskedDirs.some((dir) => path.startsWith(`${dir}/`))) continue;
    const kind = await kindOf(path);
    if (kind === 'file') maskedFiles.push(path);
    else if (kind === 'directory') maskedDirs.push(path);
  }
  return { systemLinks, systemDirs, maskedFiles, maskedDirs };
}
