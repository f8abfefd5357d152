import { stat } from 'node:fs/promises';
import type { Session } from '../core/session.ts';
import { workspaceDiff } from '../forge/local-delivery.ts';
import { workspaceGit } from '../forge/workspace-git.ts';
import { withReadableWorkspace } from '../sessions/readable-workspace.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';

/**
 * A session's change against its base commit as a unified diff (GET /api/sessions/:id/diff, the MCP
 * `get_diff` tool): what it delivered, or its work in progress; empty before its workspace exists.
 */
export async function sessionDiff(
  deps: SessionDeps,
  session: Pick<Session, 'id' | 'baseCommit'>,
): Promise<string> {
  return withReadableWorkspace(deps, session.id, async (workspace) => {
    const exists = (await stat(workspace).catch(() => null))?.isDirectory() ?? false;
    // Before provisioning there is no workspace, and so no change yet.
    return exists && session.baseCommit
      ? await workspaceDiff(workspaceGit(workspace, deps.sandboxes.confinement), session.baseCommit)
      : '';
  });
}
