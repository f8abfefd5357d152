import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkspaceGit } from './workspace-git.ts';

/** Mode of a gitlink: a submodule's commit, recorded in a tree. */
const GITLINK_MODE = '160000';

/** Paths of the gitlinks in `git ls-files -s -z` output. Pure. */
export function gitlinkPaths(lsFilesStage: string): string[] {
  return lsFilesStage
    .split('\0')
    .filter((entry) => entry.startsWith(`${GITLINK_MODE} `))
    .map((entry) => entry.slice(entry.indexOf('\t') + 1));
}

/**
 * The nested repositories in `git ls-files -z --others --exclude-standard` output: git lists a
 * directory that holds a repository of its own as `dir/` instead of descending into it. Pure.
 */
export function untrackedRepositories(lsFilesOthers: string): string[] {
  return lsFilesOthers
    .split('\0')
    .filter((path) => path.endsWith('/'))
    .map((path) => path.slice(0, -1));
}

/** Paths whose new side is a gitlink in `git diff --raw -z` output (`:old new oid oid status\0path\0`). Pure. */
export function gitlinksInRawDiff(rawDiff: string): string[] {
  const fields = rawDiff.split('\0');
  const found: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const header = fields[i]!;
    if (!header.startsWith(':')) continue;
    const [oldMode, newMode, , , status] = header.slice(1).split(' ');
    // Renames and copies name two paths; the last one is the new side.
    const paths = status?.startsWith('R') || status?.startsWith('C') ? 2 : 1;
    const path = fields[i + paths];
    if (path !== undefined && (newMode === GITLINK_MODE || oldMode === GITLINK_MODE)) found.push(path);
    i += paths;
  }
  return found;
}

/** The literal pathspecs that leave `paths` out of an `add`. */
function excluding(paths: readonly string[]): string[] {
  return paths.map((path) => `:(exclude,literal)${path}`);
}

export interface StagedWorkspace {
  /**
   * Repositories inside the workspace: new ones the tree holds, submodule paths of the base that now
   * hold a repository, and any gitlink the index gained against the commit staged against (one that
   * appeared between the listing and the add). Never staged on purpose: git would record them as
   * gitlinks and, on later commands, run a git of the nested repository's own (its config, filters and
   * fsmonitor included).
   */
  nestedRepositories: string[];
}

/**
 * `git add --all` on a workspace, short of what could make git run anything of the tree's: submodule
 * paths of the index and nested repositories are left out of the add (adding a gitlink's path makes git
 * run `git status` inside it). `against` is the commit the change is judged against; `env` names the
 * index (GIT_INDEX_FILE), `writable` its directory.
 */
export async function stageWorkspace(
  git: WorkspaceGit,
  against: string,
  options: { env?: Record<string, string>; writable?: readonly string[] } = {},
): Promise<StagedWorkspace> {
  const submodules = gitlinkPaths(await git.run(['ls-files', '-s', '-z'], options));
  const untracked = untrackedRepositories(
    await git.run(['ls-files', '-z', '--others', '--exclude-standard'], options),
  );
  const populated: string[] = [];
  for (const path of submodules) {
    if ((await lstat(join(git.workspace, path, '.git')).catch(() => null)) !== null) populated.push(path);
  }
  await git.run(['add', '--all', '--', '.', ...excluding([...submodules, ...untracked])], options);
  const gitlinks = gitlinksInRawDiff(
    await git.run(['diff', '--cached', '--raw', '-z', '--no-renames', against], options),
  );
  return { nestedRepositories: [...new Set([...untracked, ...populated, ...gitlinks])].sort() };
}
