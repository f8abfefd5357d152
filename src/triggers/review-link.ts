import { z } from 'zod';
import type { JsonValue, SessionLink, Store } from '../core/ports/store.ts';

/**
 * What drydock posted for one review of a pull request (docs/review.md), kept on the review session's
 * link `github-review:<repo>#<number>@<session>`, `<repo>` named as core/forge-repo.ts does (a GitLab merge
 * request's is `github-review:gitlab:<path>#<iid>@<session>`: the prefix predates other forges). The next
 * review of the same pull request reads the latest one to edit its summary instead of posting another, to
 * leave findings that still stand alone, and to resolve the ones that are gone. `@drydock fix this` finds its finding here by comment id.
 */
export const PostedFinding = z.object({
  /** The inline comment's id; null for a finding listed in the summary (its line is not in the diff). */
  commentId: z.number().int().nullable(),
  /** file + a hash of the explanation: the same finding on a later push has the same key. */
  key: z.string(),
  file: z.string(),
  line: z.number().int().optional(),
  severity: z.string(),
  explanation: z.string(),
  suggestedFix: z.string().optional(),
});
export type PostedFinding = z.infer<typeof PostedFinding>;

export const ReviewLinkData = z.object({
  review: z.literal(true),
  repo: z.string(),
  pull: z.number().int(),
  /** Who asked: a login, or `automatic` for a review-enabled repository's pull request event. */
  requester: z.string(),
  /** The pull request's head the review session reviews. */
  headSha: z.string(),
  /** Set once published: the summary review (edited by later reviews) and what it posted. */
  reviewId: z.number().int().optional(),
  reviewUrl: z.string().optional(),
  findings: z.array(PostedFinding).optional(),
  /** A newer review of the pull request was posted before this one ended: this one is never posted. */
  superseded: z.boolean().optional(),
  /** `<state>@<updatedAt>` of a failed or bowed-out review reported on the pull request. */
  reported: z.string().optional(),
});
export type ReviewLinkData = z.infer<typeof ReviewLinkData>;

export const REVIEW_LINK_PREFIX = 'github-review:';
export const reviewPullPrefix = (repo: string, pull: number): string =>
  `${REVIEW_LINK_PREFIX}${repo}#${pull}@`;
export const reviewLinkKey = (repo: string, pull: number, sessionId: string): string =>
  `${reviewPullPrefix(repo, pull)}${sessionId}`;

/** A link's review data, or null when it is not a review link. */
export function readReviewLink(link: SessionLink): ReviewLinkData | null {
  const parsed = ReviewLinkData.safeParse(link.data);
  return parsed.success ? parsed.data : null;
}

/** The review links of a pull request, oldest first. */
export async function listReviewLinks(
  store: Store,
  repo: string,
  pull: number,
): Promise<Array<{ link: SessionLink; data: ReviewLinkData }>> {
  const links = await store.listLinks({ prefix: reviewPullPrefix(repo, pull) });
  return links.flatMap((link) => {
    const data = readReviewLink(link);
    return data ? [{ link, data }] : [];
  });
}

/** The latest published review of a pull request other than `exceptSession`'s, or null. Pure. */
export function latestPublished(
  links: ReadonlyArray<{ link: SessionLink; data: ReviewLinkData }>,
  exceptSession?: string,
): ReviewLinkData | null {
  for (const each of [...links].reverse()) {
    if (each.link.sessionId === exceptSession) continue;
    if (each.data.reviewId !== undefined) return each.data;
  }
  return null;
}

/** The finding a drydock review comment stands for, from the newest review that posted it. Pure. */
export function findingOfComment(
  links: ReadonlyArray<{ data: ReviewLinkData }>,
  commentId: number,
): PostedFinding | null {
  for (const { data } of [...links].reverse()) {
    const found = data.findings?.find((finding) => finding.commentId === commentId);
    if (found) return found;
  }
  return null;
}

/**
 * Which review sessions of a pull request posted any of `keys`, and which of them each posted: where drydock
 * records findings as acted on (`review.findings_resolved`, docs/review.md). Reviews never published, and
 * `except` (the review that learned it), are left out. Pure.
 */
export function reviewsThatPosted(
  links: ReadonlyArray<{ link: Pick<SessionLink, 'sessionId'>; data: ReviewLinkData }>,
  keys: readonly string[],
  except?: string,
): Array<{ sessionId: string; keys: string[] }> {
  const wanted = new Set(keys);
  return links.flatMap(({ link, data }) => {
    if (link.sessionId === except || data.reviewId === undefined) return [];
    const posted = [...new Set((data.findings ?? []).map((finding) => finding.key))];
    const hit = posted.filter((key) => wanted.has(key));
    return hit.length === 0 ? [] : [{ sessionId: link.sessionId, keys: hit }];
  });
}

export function reviewLinkJson(data: ReviewLinkData): JsonValue {
  return JSON.parse(JSON.stringify(data)) as JsonValue;
}
