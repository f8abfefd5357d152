import { realpath, stat } from 'node:fs/promises';
import { BadInputError } from '../core/errors.ts';
import type { SandboxSpec } from '../core/ports/sandbox.ts';
import type { UserSwitch } from './user-switch.ts';
import { resolveReadOnlyPaths } from './workspace-path.ts';

/** What a sandbox's workspace is, checked and handed to the sandbox user. */
export interface WorkspaceView {
  path: string;
  readOnlyPaths: string[];
}

/** The real path of a workspace (or a services tree); a clear error when it is no directory. */
export async function realWorkspace(path: string): Promise<string> {
  const real = await realpath(path).catch(() => null);
  if (real === null || !(await stat(real)).isDirectory()) {
    throw new BadInputError(
      'workspace_not_found',
      `The workspace ${path} does not exist or is not a directory.`,
    );
  }
  return real;
}

/** `spec`'s workspace checked, its root handed to the sandbox user and its read-only paths resolved. */
export async function workspaceView(users: UserSwitch, spec: SandboxSpec): Promise<WorkspaceView> {
  const path = await realWorkspace(spec.workspacePath);
  // The workspace's root is the sandbox user's; whoever prepared the workspace handed it the rest.
  await users.handOver(path);
  return { path, readOnlyPaths: await resolveReadOnlyPaths(path, spec.readOnlyPaths ?? []) };
}
