import { BadInputError } from '../../core/errors.ts';
import type { Session, SessionCreator } from '../../core/session.ts';
import { truncateText } from '../../core/truncate.ts';
import { git, tryGit } from '../../forge/git.ts';
import { type LocalRepository, resolveLocalRepository } from '../../forge/local-repository.ts';
import { MAX_TASK_CHARS, newSessionRecord, withField } from '../create-session.ts';
import type { SessionDeps } from '../session-deps.ts';

export interface ReviewRequest {
  /** Path of the local repository holding both refs. */
  repo: string;
  /** The branch the change goes into; the review starts from its merge base with `head`. */
  base: string;
  /** The branch or commit with the change. */
  head: string;
  model: string;
  /** A pull request's description, a linked issue: what the change says it does. */
  description?: string;
  createdBy?: SessionCreator;
}

/** A review session's refs, `base..head`, as its `ref` holds them (a git ref never contains `..`). */
export function reviewRange(session: Pick<Session, 'ref'>): { base: string; head: string } {
  const at = session.ref.indexOf('..');
  return at < 0
    ? { base: '', head: session.ref }
    : { base: session.ref.slice(0, at), head: session.ref.slice(at + 2) };
}

/**
 * Validates a review request completely (repository, both refs, a change between them, the model)
 * and stores a `review` session, queued: its task "Review <base>..<head>" (and the description), its
 * base commit the merge base of the two, its head commit the change's. Reads the user's repository
 * with git alone, changing nothing; bad input writes nothing.
 */
export async function createReviewSession(deps: SessionDeps, request: ReviewRequest): Promise<Session> {
  try {
    return await validateAndCreate(deps, request);
  } catch (error) {
    throw withField(error);
  }
}

async function validateAndCreate(deps: SessionDeps, request: ReviewRequest): Promise<Session> {
  const base = request.base.trim();
  const head = request.head.trim();
  const headRepo = await resolveRef(request.repo, head, 'head');
  const baseRepo = await resolveRef(headRepo.path, base, 'base');
  const cwd = headRepo.path;
  const mergeBase = (await tryGit(['merge-base', baseRepo.commit, headRepo.commit], { cwd }))?.trim();
  if (!mergeBase) {
    throw new BadInputError(
      'unknown_ref',
      `${base} and ${head} share no history in ${cwd}, so there is no change to review between them. Pass --base the branch ${head} was made from.`,
      { details: { ref: base, fields: { base: `no history in common with ${head}` } } },
    );
  }
  const changed = await git(['diff-tree', '-r', '--name-only', '-z', mergeBase, headRepo.commit], { cwd });
  if (changed.replaceAll('\0', '').trim() === '') {
    throw new BadInputError(
      'empty_change',
      `${base}..${head} changes nothing: ${head} holds no change that ${base} does not have. ` +
        'Pass --head the branch or commit with the change (default: the current branch), and --base the branch it goes into.',
      { details: { fields: { head: `no change from ${base}` } } },
    );
  }
  deps.models(request.model);
  const description = request.description?.trim();
  const task = truncateText(
    description ? `Review ${base}..${head}\n\n${description}` : `Review ${base}..${head}`,
    MAX_TASK_CHARS,
  );
  const session: Session = {
    ...newSessionRecord(deps, {
      task,
      repo: cwd,
      ref: `${base}..${head}`,
      baseCommit: mergeBase,
      model: request.model,
      kind: 'review',
      ...(request.createdBy ? { createdBy: request.createdBy } : {}),
    }),
    headCommit: headRepo.commit,
  };
  await deps.store.createSession(session);
  return session;
}

/** A ref of the request resolved, or a bad-input error that names its flag. */
async function resolveRef(repo: string, ref: string, which: 'base' | 'head'): Promise<LocalRepository> {
  if (ref === '' || ref.includes('..')) {
    throw new BadInputError(
      'unknown_ref',
      `"${ref}" is not a ${which} ref. Pass --${which} one branch, tag or commit.`,
      { details: { ref, fields: { [which]: 'one branch, tag or commit' } } },
    );
  }
  try {
    return await resolveLocalRepository(repo, ref);
  } catch (error) {
    if (!(error instanceof BadInputError) || error.code !== 'unknown_ref') throw error;
    throw new BadInputError(
      'unknown_ref',
      error.details?.empty
        ? error.message
        : `"${ref}" does not name a commit in ${repo}. Pass --${which} a branch, tag or commit that exists there.`,
      {
        cause: error,
        details: {
          ...error.details,
          fields: {
            [which]: error.details?.empty
              ? 'the repository has no commits yet'
              : `no branch, tag or commit "${ref}" in this repository`,
          },
        },
      },
    );
  }
}
