import { posix } from 'node:path';
import { ToolError } from '../tool.ts';

/**
 * Resolves a path the model gave (relative to the workspace, or absolute under it) to a normalised
 * path relative to the workspace root. Paths that leave the workspace are rejected: the sandbox would
 * contain them anyway, but the model deserves a clear answer instead of a confusing one.
 */
export function resolveWorkspacePath(workdir: string, path: string): string {
  const trimmed = path.trim();
  if (trimmed === '') throw new ToolError('The path is empty. Give a path relative to the workspace root.');
  const absolute = posix.resolve(workdir, trimmed);
  const relative = posix.relative(workdir, absolute);
  if (relative === '..' || relative.startsWith('../') || posix.isAbsolute(relative)) {
    throw new ToolError(`The path "${path}" is outside the workspace (${workdir}). Use paths inside it.`);
  }
  return relative === '' ? '.' : relative;
}
