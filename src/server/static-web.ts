import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Context } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the built web UI: a file under `root` when the path names one, else `index.html` (the UI
 * routes on the client). Paths cannot leave `root`.
 */
export async function serveWeb(c: Context, root: string): Promise<Response> {
  const base = resolve(root);
  let path = c.req.path;
  try {
    path = decodeURIComponent(path);
  } catch {
    // Not valid percent-encoding: serve the UI, which shows its own not-found page.
  }
  const wanted = resolve(join(base, path));
  const inside = wanted === base || wanted.startsWith(base + sep);
  const file = inside && (await stat(wanted).catch(() => null))?.isFile() ? wanted : join(base, 'index.html');
  const content = await readFile(file);
  const immutable = file.includes(`${sep}assets${sep}`);
  return c.body(content, 200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
}
