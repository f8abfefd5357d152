import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { scriptsDirectory } from './plain-script.ts';

/**
 * Where bubblewrap, started as the sandbox user, finds what drydock binds into a sandbox from places
 * only root may reach (the workspace in drydock's 0700 data directory, an image's root in its layer store, a Node binary under /root, the
 * egress proxy's private socket): empty mount points in drydock's scripts directory, which that user
 * may traverse. Each launcher binds the real paths over them in a mount namespace of its own
 * (sandbox-launcher.ts), so every sandbox uses the same points and the host only ever sees them empty.
 */
export interface StagePoints {
  workspace: string;
  /** An image's root file system (image-layout.ts). */
  root: string;
  nodeBinary: string;
  egressSocket: string;
}

/** Makes the mount points (idempotent) and returns them. */
export async function stagePoints(): Promise<StagePoints> {
  const dir = join(await scriptsDirectory(), 'stage');
  await mkdir(join(dir, 'workspace'), { recursive: true, mode: 0o755 });
  await mkdir(join(dir, 'root'), { recursive: true, mode: 0o755 });
  const points = {
    workspace: join(dir, 'workspace'),
    root: join(dir, 'root'),
    nodeBinary: join(dir, 'node'),
    egressSocket: join(dir, 'egress.sock'),
  };
  for (const file of [points.nodeBinary, points.egressSocket]) await (await open(file, 'a', 0o644)).close();
  return points;
}
