import { z } from 'zod';
import { parseForgeRepo } from '../core/forge-repo.ts';
import type { JsonValue, SessionLink } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';

/**
 * The link of a session whose work goes to a forge: the repository, the issue it came from (if any),
 * the pull request once opened, and what was published already, so publishing is idempotent.
 */
export const ForgeLinkData = z.object({
  origin: z.literal(true),
  repo: z.string(),
  base: z.string(),
  issue: z.number().int().nullable(),
  requester: z.string(),
  pull: z.number().int().optional(),
  /**
   * Deliver by pushing to this pull request's own branch (`@drydock fix this` on a review finding), in its
   * head repository (a fork whose author lets maintainers push), instead of a drydock branch and pull request.
   */
  pushTo: z.object({ repo: z.string(), branch: z.string() }).optional(),
  /**
   * The key of the review finding this session fixes (`@drydock fix this`): once its fix is pushed, the reviews
   * that posted the finding record it acted on (docs/review.md, "Acted on").
   */
  fixes: z.string().optional(),
  pullUrl: z.string().optional(),
  publishedCommit: z.string().optional(),
  /** `<state>@<updatedAt>` of the last end reported on the issue. */
  reported: z.string().optional(),
  /** CI follow-up turns this session had (ci-watch.ts), capped. */
  ciFollowUps: z.number().int().optional(),
  /** The last pushed commit whose checks drydock acted on (fixed, gave up, or found green). */
  ciHandled: z.string().optional(),
});
export type ForgeLinkData = z.infer<typeof ForgeLinkData>;

/**
 * The link key of an issue or pull request. GitHub's issues and pull requests share numbers:
 * `github:<owner/name>#<n>` for both (unchanged since drydock knew only GitHub). GitLab numbers issues and
 * merge requests apart, and writes them so: `gitlab:<path>#<iid>` for an issue, `gitlab:<path>!<iid>` for a
 * merge request. Gitea shares one numbering like GitHub, but is written the same way as GitLab
 * (`gitea:<owner/name>#<n>`, `!<n>` for its pull requests): the keys stay apart either way. Pure.
 */
export function forgeKey(repo: string, number: number, on: 'issue' | 'pull' = 'issue'): string {
  const kind = parseForgeRepo(repo)?.kind ?? 'github';
  if (kind === 'github') return `github:${repo}#${number}`;
  return `${repo}${on === 'pull' ? '!' : '#'}${number}`;
}
/** The key of a session's origin link: `github:<owner/name>@<id>`, `gitlab:<path>@<id>`. Pure. */
export const originKey = (repo: string, sessionId: string): string => `${originPrefix(repo)}${sessionId}`;
/** What every origin link of `repo` starts with. Pure. */
export function originPrefix(repo: string): string {
  const kind = parseForgeRepo(repo)?.kind ?? 'github';
  return kind === 'github' ? `github:${repo}@` : `${repo}@`;
}
/** The prefixes of every forge's link keys: what a restart lists to find sessions still to publish. */
export const FORGE_LINK_PREFIXES = ['github:', 'gitlab:', 'gitea:', 'bitbucket:'] as const;

/** The session's forge origin link, if it has one. */
export function findForgeLink(links: readonly SessionLink[]): { key: string; data: ForgeLinkData } | null {
  for (const link of links) {
    const parsed = ForgeLinkData.safeParse(link.data);
    if (parsed.success) return { key: link.key, data: parsed.data };
  }
  return null;
}

export function toJsonValue(data: ForgeLinkData): JsonValue {
  return JSON.parse(JSON.stringify(data)) as JsonValue;
}

export type Publication = 'publish' | 'report' | 'none';

/**
 * What to do on the forge for a session in its current state. Pure. A delivered commit not yet pushed
 * is pushed and its pull request opened or updated; a bow-out or failure is reported on the issue once
 * per ending; anything else waits.
 */
export function decidePublication(session: Session, link: ForgeLinkData): Publication {
  if (session.state === 'delivered' && session.headCommit && session.branch) {
    return session.headCommit === link.publishedCommit ? 'none' : 'publish';
  }
  if ((session.state === 'bowed_out' || session.state === 'failed') && link.issue !== null) {
    return link.reported === `${session.state}@${session.updatedAt}` ? 'none' : 'report';
  }
  return 'none';
}
