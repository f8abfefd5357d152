import { BadInputError } from '../core/errors.ts';
import { type ForgeKind, forgeNotConfigured, forgeRepoName, parseForgeRepo } from '../core/forge-repo.ts';
import type { Forge, PullRequestReviews } from '../core/ports/forge.ts';

/**
 * Many forges behind one Forge: each call goes to the forge the repository's name belongs to (a bare
 * `owner/name` to GitHub, `gitlab:group/project` to GitLab: core/forge-repo.ts), which is handed the
 * repository's path on it. Everything that takes a Forge (publishing, CI follow-up, the outcome routes)
 * so works on every configured forge without knowing which. A repository on a forge this server has
 * not configured is refused with `forge_not_configured`, saying what to set.
 */
export interface ForgeRegistry extends Forge {
  /** The configured forge of `kind`, or null. */
  forgeOf(kind: ForgeKind): Forge | null;
}

/** Throws `forge_not_configured` when `forge` is a registry without the forge `repo` lives on. */
export function requireForgeFor(forge: Forge, repo: string): void {
  const kind = parseForgeRepo(repo)?.kind;
  if (kind && 'forgeOf' in forge && typeof forge.forgeOf === 'function' && !forge.forgeOf(kind)) {
    throw forgeNotConfigured(repo);
  }
}

export function createForgeRegistry(forges: Partial<Record<ForgeKind, Forge>>): ForgeRegistry {
  function route(repo: string): { forge: Forge; path: string } {
    const name = parseForgeRepo(repo);
    if (!name) {
      throw new BadInputError(
        'forge_not_configured',
        `"${repo}" is not a forge repository (owner/name on GitHub, gitlab:group/project on GitLab, gitea:owner/name on Gitea or Forgejo, bitbucket:workspace/repo on Bitbucket Cloud).`,
      );
    }
    const forge = forges[name.kind];
    if (!forge) throw forgeNotConfigured(repo);
    return { forge, path: name.path };
  }
  /** The repository's forge's reviews, or a refusal for a forge that has none. */
  function reviewsOf(repo: string): { reviews: PullRequestReviews; path: string } {
    const { forge, path } = route(repo);
    if (!forge.reviews) {
      throw new BadInputError(
        'forge_review_not_supported',
        `drydock does not review pull requests on ${repo}'s forge yet.`,
      );
    }
    return { reviews: forge.reviews, path };
  }
  // Reviews are offered when a configured forge reviews; a call for a repository on one that does not is
  // refused by reviewsOf.
  const anyReviews = Object.values(forges).some((forge) => forge?.reviews);
  const reviews: PullRequestReviews | undefined = anyReviews
    ? {
        getPullRequest: async (repo, number) => {
          const { reviews, path } = reviewsOf(repo);
          const pull = await reviews.getPullRequest(path, number);
          // The head's repository, named as the caller names repositories (the same forge).
          const kind = parseForgeRepo(repo)?.kind ?? 'github';
          return { ...pull, headRepo: pull.headRepo === null ? null : forgeRepoName(kind, pull.headRepo) };
        },
        fetchPullRequest: (repo, number, dir) => {
          const { reviews, path } = reviewsOf(repo);
          return reviews.fetchPullRequest(path, number, dir);
        },
        createReview: (repo, number, review) => {
          const { reviews, path } = reviewsOf(repo);
          return reviews.createReview(path, number, review);
        },
        updateReview: (repo, number, reviewId, body) => {
          const { reviews, path } = reviewsOf(repo);
          return reviews.updateReview(path, number, reviewId, body);
        },
        createReviewComment: (repo, number, comment) => {
          const { reviews, path } = reviewsOf(repo);
          return reviews.createReviewComment(path, number, comment);
        },
        replyToReviewComment: (repo, number, commentId, body) => {
          const { reviews, path } = reviewsOf(repo);
          return reviews.replyToReviewComment(path, number, commentId, body);
        },
        resolveReviewThread: (repo, number, commentId) => {
          const { reviews, path } = reviewsOf(repo);
          return reviews.resolveReviewThread(path, number, commentId);
        },
        threadStart: async (repo, number, commentId) => {
          const { reviews, path } = reviewsOf(repo);
          return reviews.threadStart ? reviews.threadStart(path, number, commentId) : null;
        },
      }
    : undefined;
  const at = <T>(repo: string, run: (forge: Forge, path: string) => Promise<T>): Promise<T> => {
    try {
      const { forge, path } = route(repo);
      return run(forge, path);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return {
    kind: Object.keys(forges).length === 1 ? (Object.keys(forges)[0] as string) : 'forges',
    forgeOf: (kind) => forges[kind] ?? null,
    sync: (repo, dir) => at(repo, (forge, path) => forge.sync(path, dir)),
    push: (repo, push) =>
      at(repo, (forge, path) => {
        // A fork's repository is named like the base one (the same forge); the forge wants its path.
        const toRepo = push.toRepo === undefined ? undefined : parseForgeRepo(push.toRepo)?.path;
        return forge.push(path, { ...push, ...(toRepo === undefined ? {} : { toRepo }) });
      }),
    openOrUpdatePullRequest: (repo, request) =>
      at(repo, (forge, path) => forge.openOrUpdatePullRequest(path, request)),
    comment: (repo, number, body, on) => at(repo, (forge, path) => forge.comment(path, number, body, on)),
    listReviewComments: (repo, number) => at(repo, (forge, path) => forge.listReviewComments(path, number)),
    listCheckRuns: (repo, ref) => at(repo, (forge, path) => forge.listCheckRuns(path, ref)),
    checkRunLog: (repo, run) => at(repo, (forge, path) => forge.checkRunLog(path, run)),
    permission: (repo, user) => at(repo, (forge, path) => forge.permission(path, user)),
    ...(Object.values(forges).some((forge) => forge?.pullRequestState)
      ? {
          pullRequestState: (repo: string, number: number) =>
            at(repo, (forge, path) => {
              if (!forge.pullRequestState) {
                throw new BadInputError(
                  'forge_pull_state_not_supported',
                  `drydock cannot read the state of pull requests on ${repo}'s forge.`,
                );
              }
              return forge.pullRequestState(path, number);
            }),
        }
      : {}),
    ...(reviews ? { reviews } : {}),
  };
}
