import { chmod, mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** drydock's data directory: `DRYDOCK_HOME`, else `~/.drydock`. */
export function dataHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.DRYDOCK_HOME?.trim();
  return configured ? resolve(configured) : join(homedir(), '.drydock');
}

/**
 * Makes the data directory exist, private to drydock's user (0700): workspaces, layers (whatever the
 * agent wrote), the database and the secret key are nobody else's to read or run. An existing directory
 * of drydock's user that others could enter is closed; one another user owns is left as it is.
 */
export async function ensurePrivateHome(home: string): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const info = await stat(home);
  if (info.uid === process.getuid?.() && (info.mode & 0o077) !== 0) await chmod(home, 0o700);
}
