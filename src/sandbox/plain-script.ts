import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const scripts = new Map<string, Promise<string>>();

/**
 * A self-contained TypeScript script (the supervisor, the egress forwarder) as plain JavaScript, for
 * the Node that starts inside every sandbox: loading TypeScript costs each start tens of milliseconds
 * (the type stripper initializes first), plain JavaScript does not. Stripped once per process into
 * `<tmp>/drydock-scripts-<uid>` (mode 0700), named by the content's hash, and reused while the file
 * there still holds exactly that content; a directory another user owns is never used.
 */
export function plainScript(tsPath: string): Promise<string> {
  let pending = scripts.get(tsPath);
  if (!pending) {
    pending = strip(tsPath);
    pending.catch(() => scripts.delete(tsPath));
    scripts.set(tsPath, pending);
  }
  return pending;
}

async function strip(tsPath: string): Promise<string> {
  const source = await readFile(tsPath, 'utf8');
  const code = stripTypeScriptTypes(source, { mode: 'strip' });
  return privateFile(basename(tsPath, '.ts'), '.mjs', Buffer.from(code));
}

/**
 * `content` in a file of drydock's own (`<tmp>/drydock-scripts-<uid>`, mode 0700), named by its hash:
 * for what a sandbox is started with (its scripts, its seccomp filter). Reused while it holds exactly
 * that content.
 */
export async function privateFile(name: string, extension: string, content: Buffer): Promise<string> {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  const dir = await ownDirectory();
  const path = join(dir, `${name}-${hash}${extension}`);
  if ((await readFile(path).catch(() => null))?.equals(content)) return path;
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, content, { mode: 0o644 });
  await rename(partial, path);
  return path;
}

async function ownDirectory(): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  const dir = join(tmpdir(), `drydock-scripts-${uid}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await stat(dir);
  if (info.uid === uid && (info.mode & 0o022) === 0) return dir;
  // Someone else made it (or made it writable to others): a private directory instead.
  return mkdtemp(join(tmpdir(), 'drydock-scripts-'));
}
