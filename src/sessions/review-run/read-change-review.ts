import { CHANGE_REVIEW_ARTIFACT, type ChangeReview, parseChangeReview } from '../../core/change-review.ts';
import type { Store } from '../../core/ports/store.ts';

/** A review session's latest review (its `review.json`), or null when it has none. */
export async function readChangeReview(store: Store, sessionId: string): Promise<ChangeReview | null> {
  const artifact = (await store.listArtifacts(sessionId)).findLast((a) => a.name === CHANGE_REVIEW_ARTIFACT);
  if (!artifact) return null;
  const stored = await store.getArtifact(artifact.id);
  return stored ? parseChangeReview(stored.content) : null;
}
