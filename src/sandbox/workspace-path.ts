import { lstat, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { BadInputError } from '../core/errors.ts';

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Resolves a path given relative to the workspace root (or absolute) and rejects anything that is
 * lexically outside it. Lexical only: a symlink inside can still point out, which is why the host
 * provider is not isolation.
 */
export function resolveInsideWorkspace(root: string, path: string): string {
  const resolved = resolve(root, path);
  if (!isInside(root, resolved)) {
    throw new BadInputError('path_outside_workspace', `${path} is outside the workspace ${root}.`);
  }
  return resolved;
}

/**
 * Checks the read-only paths of a sandbox spec against the real workspace path and returns those that
 * exist, normalized relative to it. A symlink is refused: the sandbox would bind whatever it points
 * at, and the workspace's content is not trusted to choose what the sandbox can see.
 */
export async function resolveReadOnlyPaths(
  realWorkspace: string,
  entries: readonly string[],
): Promise<string[]> {
  const result: string[] = [];
  for (const entry of entries) {
    if (isAbsolute(entry)) {
      throw new BadInputError(
        'invalid_read_only_path',
        `Read-only path ${entry} must be relative to the workspace.`,
      );
    }
    const path = resolveInsideWorkspace(realWorkspace, entry);
    if (path === realWorkspace) {
      throw new BadInputError(
        'invalid_read_only_path',
        'The workspace root itself cannot be a read-only path.',
      );
    }
    const info = await lstat(path).catch(() => null);
    if (info === null) continue;
    const real = await realpath(path);
    if (info.isSymbolicLink() || real !== path) {
      throw new BadInputError(
        'invalid_read_only_path',
        `Read-only path ${entry} is or goes through a symlink; refusing to mount what it points at.`,
      );
    }
    result.push(relative(realWorkspace, path));
  }
  return result;
}
