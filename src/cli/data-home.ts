import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** drydock's data directory: `DRYDOCK_HOME`, else `~/.drydock`. */
export function dataHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.DRYDOCK_HOME?.trim();
  return configured ? resolve(configured) : join(homedir(), '.drydock');
}
