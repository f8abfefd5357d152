import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { readMounts } from '../../src/sandbox/disk-quota.ts';

const run = promisify(execFile);

/**
 * Removes a test's temp dir after unmounting whatever is mounted under it, deepest first (overlays,
 * binds and disk images a killed drydock process left: drydock's startup sweep would remove them on its
 * next start, which a test's temp home never gets). Loop devices go with their unmount (autoclear).
 */
export async function removeTestDir(dir: string): Promise<void> {
  const prefix = `${dir}/`;
  const mounted = (await readMounts())
    .map((entry) => entry.mountPoint)
    .filter((point) => point.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const point of mounted) {
    await run('umount', [point]).catch(() => run('umount', ['-l', point]).catch(() => {}));
  }
  await rm(dir, { recursive: true, force: true });
}
