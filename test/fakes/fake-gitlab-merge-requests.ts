/** A merge request the fake GitLab keeps. */
export interface FakeMergeRequest {
  id: number;
  iid: number;
  source_branch: string;
  target_branch: string;
  title: string;
  description: string;
  state: 'opened' | 'closed' | 'merged';
  /** Who merged or closed it and when, once it is no longer `opened`. */
  closed?: { by: string; at: string };
  /** Someone else's merge request (drydock reviews it): its head, author, source project and whether maintainers may push. */
  sha?: string;
  author?: string;
  sourceProjectId?: number;
  allowCollaboration?: boolean;
  /** The new file's lines GitLab takes a discussion on, by path (as in its diff); any line when unset. */
  diffLines?: Record<string, number[]>;
  /** Diff versions, newest first (`GET .../versions`). */
  versions?: Array<{
    id: number;
    head_commit_sha: string;
    base_commit_sha: string;
    start_commit_sha: string;
  }>;
}

/**
 * Who merged or closed a merge request and when, in GitLab's fields: `merge_user` (and the deprecated
 * `merged_by`) with `merged_at`, `closed_by` with `closed_at`; null while it is open or not said.
 */
export function mergeStateJson(mr: FakeMergeRequest, userJson: (name: string) => unknown) {
  const merged = mr.state === 'merged' && mr.closed ? mr.closed : null;
  const closed = mr.state === 'closed' && mr.closed ? mr.closed : null;
  return {
    merge_user: merged ? userJson(merged.by) : null,
    merged_by: merged ? userJson(merged.by) : null,
    merged_at: merged?.at ?? null,
    closed_by: closed ? userJson(closed.by) : null,
    closed_at: closed?.at ?? null,
  };
}
