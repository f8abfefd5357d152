import { join } from 'node:path';
import type { HostCommandConfinement } from '../core/ports/sandbox.ts';
import { runGitCommand, SAFE_CONFIG } from './git.ts';

/**
 * drydock's git on a workspace: a tree the agent (or a repository's setup) wrote, so every file in it
 * is hostile. Two layers keep git from running anything the tree brings (docs/security.md):
 *
 * - git reads no configuration the tree could hold: no system or user config, no hooks, no fsmonitor,
 *   no submodule recursion, no network; drydock never runs a command that makes git start another git
 *   in a nested repository (see stage-workspace.ts), and commits with plumbing (no hooks, no status).
 * - git runs confined (the session provider's HostCommandConfinement): it sees the workspace and the
 *   paths named here, a read-only system, no network and only this environment.
 */
const WORKSPACE_CONFIG = [
  ...SAFE_CONFIG,
  '-c',
  'submodule.recurse=false',
  '-c',
  'fetch.recurseSubmodules=false',
  '-c',
  'status.submoduleSummary=false',
  '-c',
  'core.untrackedCache=false',
  '-c',
  'protocol.allow=never',
  '-c',
  'protocol.file.allow=always',
];

export interface WorkspaceGit {
  /** Host path of the workspace (its `.git` is drydock's: the sandbox sees it read-only). */
  readonly workspace: string;
  /** Runs git on the workspace and returns stdout; throws GitCommandError on a non-zero exit. */
  run(args: readonly string[], options?: WorkspaceGitOptions): Promise<string>;
}

export interface WorkspaceGitOptions {
  /** More environment (GIT_INDEX_FILE, the author). */
  env?: Record<string, string>;
  /** Host paths git may also write (a throwaway index's directory) or read (a repository to fetch from). */
  writable?: readonly string[];
  readable?: readonly string[];
  /** Default 2 minutes. */
  timeoutMs?: number;
}

/** The environment of git on a workspace: nothing of drydock's, no config beyond the repository's. */
export function workspaceGitEnv(workspace: string): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: '/nonexistent',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    // Named outright: git never looks for a repository elsewhere (a `.git` file in the tree, a parent).
    GIT_DIR: join(workspace, '.git'),
    GIT_WORK_TREE: workspace,
  };
}

export function workspaceGit(workspace: string, confinement: HostCommandConfinement): WorkspaceGit {
  return {
    workspace,
    async run(args, options = {}) {
      const command = await confinement.wrap(
        {
          file: 'git',
          args: [...WORKSPACE_CONFIG, ...args],
          cwd: workspace,
          env: { ...workspaceGitEnv(workspace), ...options.env },
        },
        { writable: [workspace, ...(options.writable ?? [])], readable: options.readable ?? [] },
      );
      return runGitCommand(command, args, options.timeoutMs);
    },
  };
}
