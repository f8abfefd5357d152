import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const scripts = new Map<string, Promise<string>>();

/**
 * A self-contained TypeScript script (the supervisor, the egress forwarder) as plain JavaScript, for
 * the Node that starts inside every sandbox: loading TypeScript costs each start tens of milliseconds
 * (the type stripper initializes first), plain JavaScript does not. Stripped once per process into
 * `<tmp>/drydock-scripts-<uid>` (see scriptsDirectory), named by the content's hash, and reused while
 * the file there still holds exactly that content.
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
 * `content` in a file of drydock's own (in scriptsDirectory), named by its hash: for what a sandbox is
 * started with (its scripts, its seccomp filter). Reused while it holds exactly that content.
 */
export async function privateFile(name: string, extension: string, content: Buffer): Promise<string> {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  const dir = await scriptsDirectory();
  const path = join(dir, `${name}-${hash}${extension}`);
  if ((await readFile(path).catch(() => null))?.equals(content)) return path;
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, content, { mode: 0o644 });
  await rename(partial, path);
  return path;
}

/**
 * drydock's directory for what its sandboxes start with: `<tmp>/drydock-scripts-<uid>`, only drydock's
 * user may write it, and mode 0711: others may not list it but may reach a file in it by name, as
 * bubblewrap must when it runs as the sandbox user (sandbox-user.ts). Nothing in it is secret: drydock's
 * own scripts, its seccomp filter and empty mount points. A directory another user owns (or made
 * writable to others) is never used: a fresh one instead.
 */
export async function scriptsDirectory(): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  const dir = join(tmpdir(), `drydock-scripts-${uid}`);
  await mkdir(dir, { recursive: true, mode: 0o711 });
  const info = await stat(dir);
  if (info.uid === uid && (info.mode & 0o022) === 0) {
    // Made private (0700) by an older drydock.
    if ((info.mode & 0o777) !== 0o711) await chmod(dir, 0o711);
    return dir;
  }
  const fresh = await mkdtemp(join(tmpdir(), 'drydock-scripts-'));
  await chmod(fresh, 0o711);
  return fresh;
}
