/**
 * A forge: where repositories live and pull requests are reviewed. Implementations: local git (a path
 * or a bare repository as the remote; a "pull request" is the branch plus a stored description) and
 * GitHub (Octokit). Every method runs in the control plane with the control plane's credentials:
 * none of them ever enters a sandbox. A repository is named by its forge slug (`owner/name` on GitHub,
 * `group/subgroup/project` on GitLab, the remote's path for local git); a registry of several forges
 * (forge/forge-registry.ts) takes the prefixed names of core/forge-repo.ts and hands each forge its path.
 */
export interface Forge {
  /** `github`, `gitlab` or `local` (`forges` for a registry of several). */
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
  /**
   * Comments on an issue or pull request: `on` says which (default `issue`). GitHub's share one numbering
   * and ignore it; GitLab numbers issues and merge requests apart.
   */
  comment(repo: string, number: number, body: string, on?: 'issue' | 'pull'): Promise<ForgeComment>;
  /** Review comments and reviews on a pull request, oldest first. */
  listReviewComments(repo: string, number: number): Promise<ForgeComment[]>;
  /** Check runs on a commit. The local forge has none. */
  listCheckRuns(repo: string, ref: string): Promise<CheckRun[]>;
  /** The log of a failing check run, for a follow-up turn (tail-truncated by the caller). */
  checkRunLog(repo: string, run: CheckRun): Promise<string>;
  /** What `user` may do on `repo`: only `write` and `admin` may trigger drydock. */
  permission(repo: string, user: string): Promise<RepoPermission>;
  /**
   * Whether pull request `number` (one drydock opened) is open, merged or closed, by whom and when: what
   * the pull-request sweep (triggers/pull-sweep.ts) asks about closes whose webhook drydock never got.
   * Absent on a forge whose pull requests are not closed elsewhere (local git). Throws ForgeError
   * (`forge_no_access` when refused or not found; a transient `forge_failed` on a rate limit or 5xx).
   */
  pullRequestState?(repo: string, number: number): Promise<PullRequestState>;
  /** Reviewing other people's pull requests (docs/review.md); absent on a forge that cannot (local git). */
  readonly reviews?: PullRequestReviews;
}

/**
 * What drydock's review bot does on a forge's pull requests: read one, fetch its head, post one review with
 * inline comments, and keep it up to date. Every method throws ForgeError (`forge_no_access` when refused).
 */
export interface PullRequestReviews {
  getPullRequest(repo: string, number: number): Promise<ForgePullRequest>;
  /**
   * Fetches the pull request's head (forks included) into `dir`, a clone `sync` made, as
   * `refs/drydock/pull/<number>`, and returns its commit.
   */
  fetchPullRequest(repo: string, number: number, dir: string): Promise<string>;
  /** One review (a comment, neither approving nor requesting changes) with its inline comments. */
  createReview(repo: string, number: number, review: NewPullReview): Promise<PostedReview>;
  /** Replaces a review's body. */
  updateReview(repo: string, number: number, reviewId: number, body: string): Promise<void>;
  /** One inline comment outside a review (on a later push), on the new side of the diff. Returns its id. */
  createReviewComment(repo: string, number: number, comment: NewReviewComment): Promise<number>;
  /** Answers in the thread of review comment `commentId`. Returns the reply's id. */
  replyToReviewComment(repo: string, number: number, commentId: number, body: string): Promise<number>;
  /** Marks resolved the thread review comment `commentId` opened; false when there is no such thread. */
  resolveReviewThread(repo: string, number: number, commentId: number): Promise<boolean>;
  /**
   * The id of the comment that opened the thread holding comment `commentId` (itself when it opened one), or
   * null when no thread holds it. Only on forges whose webhooks do not say it (GitLab: a note names its
   * discussion, not the discussion's first note; GitHub's replies carry `in_reply_to_id`).
   */
  threadStart?(repo: string, number: number, commentId: number): Promise<number | null>;
}

export interface ForgePullRequest {
  number: number;
  url: string;
  title: string;
  body: string;
  draft: boolean;
  /** `open` or `closed`. */
  state: string;
  author: string;
  headSha: string;
  headRef: string;
  /** The repository the head branch lives in (`owner/name`: a fork's when it differs); null when deleted. */
  headRepo: string | null;
  baseRef: string;
  /** The author lets the base repository's maintainers push to the head branch. */
  maintainerCanModify: boolean;
}

export interface NewReviewComment {
  commitId: string;
  path: string;
  /** The line in the new file (the diff's right side). */
  line: number;
  body: string;
}

export interface NewPullReview {
  commitId: string;
  body: string;
  comments: Array<Omit<NewReviewComment, 'commitId'>>;
}

export interface PostedReview {
  id: number;
  url: string;
  /** The review's inline comments as posted, with their ids. */
  comments: Array<{ id: number; path: string; line: number | null; body: string }>;
}

export type RepoPermission = 'admin' | 'write' | 'read' | 'none';

export interface BranchPush {
  /** A local repository (the session's workspace or the control plane's clone) holding `commit`. */
  from: string;
  /**
   * The repository to push to when it is not the one named (a pull request's fork, whose author lets
   * maintainers push), with the named repository's credentials.
   */
  toRepo?: string;
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

/** A pull request's state as its forge reports it now. */
export interface PullRequestState {
  number: number;
  url: string;
  state: 'open' | 'merged' | 'closed';
  /** The forge account that merged or closed it (a login, without the forge's prefix); null when open or not said. */
  by: string | null;
  /** When it was merged or closed (ISO 8601); null when open or not said. */
  at: string | null;
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
