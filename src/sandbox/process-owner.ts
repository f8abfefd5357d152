import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Which process owns a directory on this machine (a layered workspace, a spare sandbox's mount
 * points): its pid and its start time (pids are reused; the pair is not). A sweep leaves a directory
 * alone while its owner runs, and takes it for a crashed drydock's leftover once the owner is gone.
 */
export interface OwnerStamp {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot. */
  startTicks: string;
}

const OWNER_FILE = 'owner';

async function startTicksOf(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

/** Marks `dir` as this process's. */
export async function stampOwner(dir: string): Promise<void> {
  const stamp: OwnerStamp = { pid: process.pid, startTicks: (await startTicksOf(process.pid)) ?? '' };
  await writeFile(join(dir, OWNER_FILE), `${JSON.stringify(stamp)}\n`);
}

/** The owner of `dir`, or null when it has no (readable) stamp. */
export async function readOwner(dir: string): Promise<OwnerStamp | null> {
  try {
    const value = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as Partial<OwnerStamp>;
    return typeof value.pid === 'number' && typeof value.startTicks === 'string'
      ? { pid: value.pid, startTicks: value.startTicks }
      : null;
  } catch {
    return null;
  }
}

/** Whether the stamped process still runs (the same process, not a later one with its pid). */
export async function isOwnerAlive(stamp: OwnerStamp): Promise<boolean> {
  const ticks = await startTicksOf(stamp.pid);
  return ticks !== null && ticks === stamp.startTicks;
}
