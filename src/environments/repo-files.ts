import { git, tryGit } from '../forge/git.ts';
import { parseRepoConfig, REPO_CONFIG_PATH, type RepoConfig } from './repo-config.ts';

/** Paths tracked at `commit`, read from the repository's objects: no checkout needed. */
export async function listFilesAt(repo: string, commit: string): Promise<string[]> {
  const out = await git(['ls-tree', '-r', '-z', '--name-only', commit], { cwd: repo });
  return out.split('\0').filter((path) => path !== '');
}

/** A file's content at `commit`, or null when the commit has no such file. */
export async function readFileAt(repo: string, commit: string, path: string): Promise<Buffer | null> {
  const out = await tryGit(['show', `${commit}:${path}`], { cwd: repo });
  return out === null ? null : Buffer.from(out, 'utf8');
}

/** The repository's `.drydock/config.yaml` at `commit`, parsed; null when it has none. */
export async function readRepoConfig(repo: string, commit: string): Promise<RepoConfig | null> {
  const text = await readFileAt(repo, commit, REPO_CONFIG_PATH);
  return text === null ? null : parseRepoConfig(text.toString('utf8'));
}
