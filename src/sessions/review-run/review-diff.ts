import type { Session } from '../../core/session.ts';
import { commitDiff } from '../../forge/commit-diff.ts';

/**
 * The change a review session reviewed, as a unified diff (its base commit, the merge base, to its head
 * commit), read from the repository it was created on; empty when that no longer has it. No repository
 * attribute runs a diff driver.
 */
export async function reviewedDiff(
  session: Pick<Session, 'repo' | 'baseCommit' | 'headCommit'>,
): Promise<string> {
  if (session.baseCommit === null || session.headCommit === null) return '';
  return (await commitDiff([session.repo], session.baseCommit, session.headCommit)) ?? '';
}
