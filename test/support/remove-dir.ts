import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { mountsUnder } from '../../src/sandbox/mount-table.ts';

const run = promisify(execFile);

/** Loop devices (names under /sys/block) whose backing file is under `dir`. */
export async function loopsBackedUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const device of await readdir('/sys/block').catch(() => [])) {
    const backing = await readFile(`/sys/block/${device}/loop/backing_file`, 'utf8').catch(() => '');
    if (backing.startsWith(dir)) found.push(device);
  }
  return found;
}

/**
 * Removes a test's temp dir after unmounting whatever is mounted under it, deepest first (overlays,
 * binds and disk images a killed drydock process or a failed test left: drydock's startup sweep would
 * remove them on its next start, which a test's temp home never gets), and detaching loop devices
 * still backed by files there.
 */
export async function removeTestDir(dir: string): Promise<void> {
  for (const point of await mountsUnder(dir)) {
    await run('umount', [point]).catch(() => run('umount', ['-l', point]).catch(() => {}));
  }
  for (const device of await loopsBackedUnder(dir))
    await run('losetup', ['-d', `/dev/${device}`]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
