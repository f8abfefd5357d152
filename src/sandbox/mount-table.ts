import { readFile } from 'node:fs/promises';

/** One line of /proc/self/mountinfo, paths decoded. */
export interface MountEntry {
  mountPoint: string;
  /** Per-mount options (`rw,nosuid,nodev,relatime`). */
  mountOptions: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** mountinfo escapes spaces and the like as octal (`\040`). */
export const decodeMountPath = (path: string): string =>
  path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

/** The mount table of drydock's mount namespace, from /proc/self/mountinfo. */
export async function readMounts(): Promise<MountEntry[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const entries: MountEntry[] = [];
  for (const line of info.split('\n')) {
    const [before, after] = line.split(' - ');
    const fields = before?.split(' ') ?? [];
    const point = fields[4];
    const [fsType, source, superOptions] = after?.split(' ') ?? [];
    if (point === undefined || fsType === undefined) continue;
    entries.push({
      mountPoint: decodeMountPath(point),
      mountOptions: fields[5] ?? '',
      fsType,
      source: decodeMountPath(source ?? ''),
      superOptions: superOptions ?? '',
    });
  }
  return entries;
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await readMounts()).some((entry) => entry.mountPoint === path);
}

/** Mount points at or under `dir`, deepest first (the order to unmount them in). */
export async function mountsUnder(dir: string): Promise<string[]> {
  return (await readMounts())
    .map((entry) => entry.mountPoint)
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}
