/**
 * A forge: where repositories live and pull requests are reviewed. Implementations: local git (a path
 * or a bare repository as the remote; a "pull request" is the branch plus a stored description) and
 * GitHub (Octokit). Every method runs in the control plane with the control plane's credentials:
 * none of them ever enters a sandbox. A repository is named by its forge slug (`owner/name` on GitHub,
 * the remote's path for local git).
 */
export interface Forge {
  /** `github` or `local`: the prefix of the session links this forge's triggers create. */
  readonly kind: string;
  /**
   * Clones `repo` into `dir`, or fetches it when `dir` already holds the clone, with the forge's
   * credentials (never written into the clone's config). Returns the default branch.
   * Throws ForgeError (`forge_no_access` when the credentials cannot read it).
   */
  sync(repo: string, dir: string): Promise<{ defaultBranch: string }>;
  /** Pushes `commit` of the local repository at `from` to `branch` on the forge (fast-forward or new). */
  push(repo: string, push: BranchPush): Promise<void>;
  /** Opens a pull request for `branch`, or updates the open one (title and body). Idempotent. */
  openOrUpdatePullRequest(repo: string, request: PullRequestRequest): Promise<PullRequest>;
  /** Comments on an issue or pull request. */
  comment(repo: string, number: number, body: string): Promise<ForgeComment>;
  /** Review comments and reviews on a pull request, oldest first. */
  listReviewComments(repo: string, number: number): Promise<ForgeComment[]>;
  /** Check runs on a commit. The local forge has none. */
  listCheckRuns(repo: string, ref: string): Promise<CheckRun[]>;
  /** The log of a failing check run, for a follow-up turn (tail-truncated by the caller). */
  checkRunLog(repo: string, run: CheckRun): Promise<string>;
  /** What `user` may do on `repo`: only `write` and `admin` may trigger drydock. */
  permission(repo: string, user: string): Promise<RepoPermission>;
}

export type RepoPermission = 'admin' | 'write' | 'read' | 'none';

export interface BranchPush {
  /** A local repository (the session's workspace or the control plane's clone) holding `commit`. */
  from: string;
  branch: string;
  commit: string;
}

export interface PullRequestRequest {
  branch: string;
  base: string;
  title: string;
  /** The gate's `pull-request.md`. */
  body: string;
  draft?: boolean;
}

export interface PullRequest {
  number: number;
  url: string;
  branch: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

export interface ForgeComment {
  id: number;
  url: string;
  author: string;
  body: string;
}

export interface CheckRun {
  id: number;
  name: string;
  status: 'queued' | 'in_progress' | 'completed' | 'pending' | 'requested' | 'waiting';
  conclusion: string | null;
}
