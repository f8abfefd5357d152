import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * A program as an absolute path: `name` itself when it is a path, else the first executable of that
 * name on PATH, then in `alsoIn` (the sbin directories a non-login PATH may lack). Null when none.
 */
export async function findExecutable(name: string, alsoIn: readonly string[] = []): Promise<string | null> {
  const candidates = name.includes('/')
    ? [name]
    : [...(process.env.PATH ?? '/usr/bin:/bin').split(delimiter), ...alsoIn]
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, name));
  for (const candidate of candidates) {
    const executable = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (executable) return candidate;
  }
  return null;
}
