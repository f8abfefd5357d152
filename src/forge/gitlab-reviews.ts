import type { Gitlab } from '@gitbeaker/rest';
import { ForgeError } from '../core/errors.ts';
import type { ForgePullRequest, PullRequestReviews } from '../core/ports/forge.ts';
import { fetchRef, type RemoteGit } from './remote-git.ts';

/** Runs one gitbeaker call for `project`, its failure a ForgeError saying `what` failed (gitlab-forge.ts). */
export type GitlabCall = <T>(what: string, project: string, run: () => Promise<T>) => Promise<T>;

/** A merge request's diff version: the commits GitLab anchors inline discussions to. */
export interface DiffVersion {
  id: number;
  head_commit_sha: string;
  base_commit_sha: string;
  start_commit_sha: string;
}

/** Where an inline discussion goes: GitLab's `position` for a line of the new file. */
export interface DiffPosition {
  positionType: 'text';
  baseSha: string;
  startSha: string;
  headSha: string;
  oldPath: string;
  newPath: string;
  newLine: number;
}

/**
 * The position of `line` of `path` in the new file at `commitId`, from the merge request's diff versions
 * (GitLab lists them newest first): the version whose head is that commit, else none, since a position on
 * another version's head would land on other code. Pure.
 */
export function diffPosition(
  versions: readonly DiffVersion[],
  commitId: string,
  path: string,
  line: number,
): DiffPosition | null {
  const version = versions.find((each) => each.head_commit_sha === commitId);
  if (!version) return null;
  return {
    positionType: 'text',
    baseSha: version.base_commit_sha,
    startSha: version.start_commit_sha,
    headSha: version.head_commit_sha,
    oldPath: path,
    newPath: path,
    newLine: line,
  };
}

interface DiscussionNote {
  id: number;
  body?: string | null;
  position?: { new_path?: string | null; new_line?: number | null } | null;
}

/**
 * The review bot's calls on GitLab merge requests. GitLab has no review object with a body: a review is a
 * note on the merge request (its body, edited on later pushes) plus one discussion per inline comment,
 * placed by the diff version of the reviewed commit. Ids are note ids; a discussion is found by its first
 * note's.
 */
export function createGitlabReviews(options: {
  api: InstanceType<typeof Gitlab<false>>;
  call: GitlabCall;
  /** The instance's address, for links to notes. */
  url: string;
  remote(project: string): RemoteGit;
}): PullRequestReviews {
  const { api, call } = options;
  const noteUrl = (project: string, iid: number, id: number) =>
    `${options.url}/${project}/-/merge_requests/${iid}#note_${id}`;

  async function position(project: string, iid: number, commitId: string, path: string, line: number) {
    const versions = (await api.MergeRequests.allDiffVersions(project, iid)) as unknown as DiffVersion[];
    const found = diffPosition(versions, commitId, path, line);
    if (!found) {
      throw new ForgeError(
        'forge_failed',
        `Merge request !${iid} of ${project} has no diff version at ${commitId.slice(0, 12)}: it moved on since the review started.`,
      );
    }
    return found;
  }
  async function inline(
    project: string,
    iid: number,
    commitId: string,
    path: string,
    line: number,
    body: string,
  ) {
    const at = await position(project, iid, commitId, path, line);
    // gitbeaker types positions' lines as strings; GitLab reads the form field either way.
    const discussion = await api.MergeRequestDiscussions.create(project, iid, body, {
      position: { ...at, newLine: String(at.newLine) },
    });
    const note = (discussion.notes as DiscussionNote[] | undefined)?.[0];
    if (!note)
      throw new ForgeError(
        'forge_failed',
        `GitLab opened a discussion on !${iid} of ${project} without a note.`,
      );
    return { note, discussionId: String(discussion.id) };
  }
  async function discussionOf(project: string, iid: number, noteId: number, first: boolean) {
    const discussions = await api.MergeRequestDiscussions.all(project, iid);
    return discussions.find((each) => {
      const notes = (each.notes ?? []) as DiscussionNote[];
      return first ? notes[0]?.id === noteId : notes.some((note) => note.id === noteId);
    });
  }

  return {
    getPullRequest(project, iid) {
      return call('reading a merge request', project, async () => {
        const request = await api.MergeRequests.show(project, iid);
        const sameProject = request.source_project_id === request.target_project_id;
        const source = sameProject
          ? project
          : await api.Projects.show(request.source_project_id)
              .then((each) => String(each.path_with_namespace))
              .catch(() => null);
        return {
          number: request.iid,
          url: request.web_url,
          title: request.title,
          body: request.description ?? '',
          draft: Boolean(request.draft),
          state: request.state === 'opened' ? 'open' : 'closed',
          author: request.author?.username ?? 'ghost',
          headSha: String(request.sha),
          headRef: request.source_branch,
          headRepo: source,
          baseRef: request.target_branch,
          maintainerCanModify: Boolean(request.allow_collaboration),
        } satisfies ForgePullRequest;
      });
    },

    fetchPullRequest(project, iid, dir) {
      // GitLab keeps every merge request's head, a fork's too, as refs/merge-requests/<iid>/head of the target.
      return fetchRef(project, options.remote(project), dir, {
        from: `refs/merge-requests/${iid}/head`,
        to: `refs/drydock/pull/${iid}`,
      });
    },

    createReview(project, iid, review) {
      return call('posting a review', project, async () => {
        // All or nothing, as a GitHub review is: the discussions first, taken back when GitLab refuses one (a
        // line outside its diff), and the summary last, so the caller's retry without them posts no second one.
        const posted: Array<{ note: DiscussionNote; discussionId: string }> = [];
        const comments = [];
        for (const comment of review.comments) {
          let opened: { note: DiscussionNote; discussionId: string };
          try {
            opened = await inline(project, iid, review.commitId, comment.path, comment.line, comment.body);
          } catch (error) {
            for (const each of posted) {
              await api.MergeRequestDiscussions.removeNote(
                project,
                iid,
                each.discussionId,
                each.note.id,
              ).catch(() => {});
            }
            throw error;
          }
          posted.push(opened);
          comments.push({
            id: opened.note.id,
            path: comment.path,
            line: comment.line,
            body: opened.note.body ?? comment.body,
          });
        }
        const summary = await api.MergeRequestNotes.create(project, iid, review.body);
        return { id: summary.id, url: noteUrl(project, iid, summary.id), comments };
      });
    },

    async updateReview(project, iid, reviewId, body) {
      await call('updating a review', project, () =>
        api.MergeRequestNotes.edit(project, iid, reviewId, { body }),
      );
    },

    createReviewComment(project, iid, comment) {
      return call('posting a review comment', project, async () => {
        const { note } = await inline(
          project,
          iid,
          comment.commitId,
          comment.path,
          comment.line,
          comment.body,
        );
        return note.id;
      });
    },

    replyToReviewComment(project, iid, noteId, body) {
      return call('replying to a review comment', project, async () => {
        const discussion = await discussionOf(project, iid, noteId, false);
        if (!discussion) {
          throw new ForgeError(
            'forge_failed',
            `No discussion on !${iid} of ${project} holds note ${noteId}.`,
          );
        }
        const reply = await api.MergeRequestDiscussions.addNote(project, iid, String(discussion.id), body);
        return reply.id;
      });
    },

    threadStart(project, iid, noteId) {
      return call('reading a discussion', project, async () => {
        const discussion = await discussionOf(project, iid, noteId, false);
        const first = (discussion?.notes as DiscussionNote[] | undefined)?.[0];
        return first ? first.id : null;
      });
    },

    resolveReviewThread(project, iid, noteId) {
      return call('resolving a review thread', project, async () => {
        const discussion = await discussionOf(project, iid, noteId, true);
        if (!discussion) return false;
        await api.MergeRequestDiscussions.resolve(project, iid, String(discussion.id), true);
        return true;
      });
    },
  };
}
