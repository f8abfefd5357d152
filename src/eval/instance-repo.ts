import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import type { Forge } from '../core/ports/forge.ts';
import { GitCommandError, git, tryGit } from '../forge/git.ts';
import { isGithubRepoName } from '../sessions/repo-input.ts';

/**
 * Where an eval instance's sessions run and deliver: a scratch clone of the instance's repository,
 * made once per eval output directory and repository, under `<outDir>/repos/<name>`. Sessions start
 * from it and deliver their branches into it, never into the user's repository; a resumed eval reuses
 * it without touching the network.
 *
 * A task set's repository is hostile input. The clone is made with drydock's hardened git (no hooks,
 * no fsmonitor, no signing programs: forge/git.ts), without a checkout (nothing of the content's
 * attributes or filters runs on the host), and, from a local path, through git's transport rather than
 * by copying the object directory (`--no-local`: a crafted repository's links in `.git/objects` do not
 * pull host files into the clone). Nothing of the source's config or hooks comes along.
 */

/** Where a task's `repo` says the repository is. */
export type RepoSource =
  | { kind: 'local'; path: string }
  | { kind: 'bundle'; path: string }
  | { kind: 'forge'; repo: string };

/**
 * How a task's `repo` is read: a path ending in `.bundle` is a git bundle; an absolute path, or one
 * starting with `./` or `../`, a local repository (relative paths against `baseDir`, the task file's
 * directory); `owner/name` a forge repository; any other relative path a local one. Pure.
 */
export function repoSource(repo: string, baseDir: string): RepoSource {
  const value = repo.trim();
  const local = (path: string) => (isAbsolute(path) ? resolve(path) : resolve(baseDir, path));
  if (value.endsWith('.bundle')) return { kind: 'bundle', path: local(value) };
  if (isAbsolute(value) || value === '.' || value === '..' || /^\.\.?\//.test(value)) {
    return { kind: 'local', path: local(value) };
  }
  if (isGithubRepoName(value)) return { kind: 'forge', repo: value };
  return { kind: 'local', path: local(value) };
}

/** The scratch clone's directory name: readable, and distinct for distinct sources. Pure. */
export function scratchName(source: RepoSource): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || 'repo';
  if (source.kind === 'forge') {
    const [owner, name] = source.repo.toLowerCase().split('/') as [string, string];
    return `${safe(owner)}__${safe(name)}`;
  }
  const name = basename(source.path).replace(/\.(bundle|git)$/, '');
  const digest = createHash('sha256').update(`${source.kind}:${source.path}`).digest('hex').slice(0, 12);
  return `${safe(name)}-${digest}`;
}

export interface InstanceReposOptions {
  /** The eval's output directory: scratch clones go under `<outDir>/repos`. */
  outDir: string;
  /** Relative local paths in the task set are resolved against it: the task file's directory. */
  baseDir: string;
  /** Resolves `owner/name` repositories; null when none is configured. */
  forge: Forge | null;
}

export interface InstanceRepo {
  /** The scratch clone: sessions run on it and deliver into it. */
  path: string;
  /** The base commit, in full. */
  baseCommit: string;
  source: RepoSource;
}

export interface InstanceRepos {
  /**
   * The scratch clone for a task's repository, cloned on first use (concurrent calls for one
   * repository share the clone) and reused after, with its base commit checked. Throws BadInputError:
   * `repo_not_found`, `not_a_git_repository`, `forge_not_configured`, `base_commit_missing`; a forge's
   * ForgeError as it is.
   */
  prepare(task: { repo: string; baseCommit: string }): Promise<InstanceRepo>;
}

export function createInstanceRepos(options: InstanceReposOptions): InstanceRepos {
  const clones = new Map<string, Promise<void>>();
  const refreshes = new Map<string, Promise<void>>();
  const once = (cache: Map<string, Promise<void>>, key: string, run: () => Promise<void>) => {
    let pending = cache.get(key);
    if (!pending) {
      pending = run();
      cache.set(key, pending);
      // A failure is not remembered: the next instance of the repository tries again.
      pending.catch(() => cache.delete(key));
    }
    return pending;
  };

  return {
    async prepare(task) {
      const source = repoSource(task.repo, options.baseDir);
      const dir = join(resolve(options.outDir), 'repos', scratchName(source));
      await once(clones, dir, () => ensureClone(source, task.repo, dir, options.forge));
      let commit = await resolveCommit(dir, task.baseCommit);
      if (commit === null && isCommitId(task.baseCommit)) {
        // A clone made for another instance, or by an earlier run, may predate this commit. A local
        // repository is asked for the commit itself; a bundle or a forge gives everything it has, once.
        const key = source.kind === 'local' ? `${dir}\0${task.baseCommit}` : dir;
        await once(refreshes, key, () => refresh(source, dir, task.baseCommit, options.forge));
        commit = await resolveCommit(dir, task.baseCommit);
      }
      if (commit === null) {
        throw new BadInputError(
          'base_commit_missing',
          `${task.baseCommit} is not a commit of ${task.repo} (cloned into ${dir}). Check the instance's base_commit, and that repo names the repository the task set was made from.`,
          { details: { repo: task.repo, baseCommit: task.baseCommit } },
        );
      }
      return { path: dir, baseCommit: commit, source };
    },
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function ensureClone(
  source: RepoSource,
  repo: string,
  dir: string,
  forge: Forge | null,
): Promise<void> {
  if (await exists(join(dir, '.git'))) return;
  // Clone beside the final place and rename: a clone that died half-way is never taken for a finished one.
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  if (source.kind === 'forge') {
    if (!forge) {
      throw new BadInputError(
        'forge_not_configured',
        `${repo} names a forge repository (owner/name), but no forge is configured: set DRYDOCK_GITHUB_TOKEN or a GitHub App (docs/triggers.md), or give the instance's repo as a local path (absolute, or ./relative to the task file) or a *.bundle.`,
      );
    }
    await forge.sync(source.repo, partial);
  } else {
    const info = await stat(source.path).catch(() => null);
    if (
      !info ||
      (source.kind === 'local' && !info.isDirectory()) ||
      (source.kind === 'bundle' && !info.isFile())
    ) {
      throw new BadInputError(
        'repo_not_found',
        `No ${source.kind === 'bundle' ? 'git bundle' : 'repository'} at ${source.path} (the instance's repo "${repo}"; relative paths are read from the task file's directory).`,
      );
    }
    const local = source.kind === 'local' ? ['--no-local'] : [];
    try {
      await git(['clone', '--quiet', '--no-checkout', ...local, '--', source.path, partial], {
        cwd: dirname(partial),
        timeoutMs: 30 * 60_000,
      });
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      if (!(error instanceof GitCommandError)) throw error;
      throw new BadInputError(
        'not_a_git_repository',
        `${source.path} is not a ${source.kind === 'bundle' ? 'git bundle' : 'git repository'} git can clone (${lastLine(error.stderr)}).`,
        { cause: error },
      );
    }
  }
  await rename(partial, dir);
}

/** Fetches what the first clone may have left out: the commit itself, or every ref of a bundle. */
async function refresh(
  source: RepoSource,
  dir: string,
  baseCommit: string,
  forge: Forge | null,
): Promise<void> {
  if (source.kind === 'forge') {
    if (forge) await forge.sync(source.repo, dir);
    return;
  }
  // A bundle serves only its refs; a repository serves any commit it has, which a ref here keeps.
  const refspec =
    source.kind === 'bundle'
      ? '+refs/*:refs/drydock-eval/bundle/*'
      : `+${baseCommit}:refs/drydock-eval/bases/${baseCommit}`;
  await tryGit(['fetch', '--quiet', '--no-tags', '--', source.path, refspec], {
    cwd: dir,
    timeoutMs: 30 * 60_000,
  });
}

const isCommitId = (commit: string) => /^[0-9a-fA-F]{4,64}$/.test(commit);

async function resolveCommit(dir: string, commit: string): Promise<string | null> {
  if (!isCommitId(commit)) return null;
  const out = await tryGit(['rev-parse', '--verify', '--quiet', `${commit}^{commit}`], { cwd: dir });
  return out?.trim() || null;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.slice(0, 300) ?? '';
}
