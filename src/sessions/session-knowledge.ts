import type { EventData } from '../core/events.ts';
import type { KnowledgeItem } from '../core/knowledge.ts';
import { parseUnifiedDiff } from '../core/unified-diff.ts';
import { proposeKnowledge } from '../memory/propose-knowledge.ts';
import { retrieveKnowledge } from '../memory/retrieve-knowledge.ts';
import { runGit, type SessionRun } from './session-run.ts';

// Repository knowledge in a session's run (docs/knowledge.md): what the coder and the reviewer are
// given, and what the session proposes when it ends. Neither may slow or fail the session: a failure
// is reported to the deps' onError and the session goes on without knowledge.

/** The coder's section, retrieved once per run so its system prompt stays the same across rework. */
const coderSections = new WeakMap<SessionRun, Promise<string>>();

/** The "Repository knowledge" section for the coder's system prompt ('' when none is relevant). */
export function coderKnowledge(run: SessionRun): Promise<string> {
  let section = coderSections.get(run);
  if (!section) {
    section = retrieveFor(run, 'coder', []);
    coderSections.set(run, section);
  }
  return section;
}

/** The section for the reviewer of this diff: the task and the files it changes are the query. */
export function reviewerKnowledge(run: SessionRun, diff: string): Promise<string> {
  const files = parseUnifiedDiff(diff).flatMap((file) => [file.path]);
  return retrieveFor(run, 'reviewer', files);
}

async function retrieveFor(run: SessionRun, role: 'coder' | 'reviewer', files: string[]): Promise<string> {
  const session = run.recorder.session;
  try {
    const approved = await run.deps.store.listKnowledge({ repo: session.repo, status: 'approved' });
    if (approved.length === 0) return '';
    const missing = await missingFiles(run, approved);
    const stale: string[] = [];
    const current: KnowledgeItem[] = [];
    for (const item of approved) {
      const gone = item.files.filter((file) => missing.has(file));
      if (gone.length > 0) stale.push(item.id);
      else current.push(item);
      // Flagged for people (list, UI) until someone edits or removes the item.
      if (gone.length > 0 || item.staleFiles !== null) {
        await run.deps.store.markKnowledgeStale(item.id, gone.length > 0 ? gone : null);
      }
    }
    const retrieval = retrieveKnowledge(current, {
      task: session.task,
      files,
      ...(run.deps.knowledge?.budgetTokens === undefined
        ? {}
        : { budgetTokens: run.deps.knowledge.budgetTokens }),
    });
    const event: EventData = {
      type: 'knowledge.retrieved',
      role,
      ids: retrieval.items.map((item) => item.id),
      stale,
    };
    await run.recorder.record([event]);
    return retrieval.section;
  } catch (error) {
    if (run.recorder.takenOver) throw error;
    run.deps.knowledge?.onError?.(error, session.id);
    return '';
  }
}

/** The files items name that do not exist at the session's base commit (a file, or a directory with files). */
async function missingFiles(run: SessionRun, items: readonly KnowledgeItem[]): Promise<Set<string>> {
  const named = [...new Set(items.flatMap((item) => item.files))];
  if (named.length === 0) return new Set();
  // Literal pathspecs: an item's files are paths, never git's pathspec magic.
  const listed = await runGit(run).run(
    ['ls-tree', '-r', '--name-only', '-z', run.baseCommit, '--', ...named],
    {
      env: { GIT_LITERAL_PATHSPECS: '1' },
    },
  );
  const present = listed.split('\0').filter((path) => path !== '');
  return new Set(
    named.filter(
      (file) => !present.some((path) => path === file || path.startsWith(`${file.replace(/\/$/, '')}/`)),
    ),
  );
}

/**
 * Proposes knowledge from the session's log as it ends (a top-level session that delivered or bowed
 * out): the items are stored pending, and the returned event (null: nothing new) goes into the log
 * with the final state.
 */
export async function proposeSessionKnowledge(run: SessionRun): Promise<EventData | null> {
  const session = run.recorder.session;
  if (session.parentId !== undefined || session.kind === 'review') return null;
  try {
    const events = await run.deps.store.listEvents(session.id);
    const existing = await run.deps.store.listKnowledge({ repo: session.repo });
    const proposals = proposeKnowledge({
      repo: session.repo,
      sessionId: session.id,
      events,
      existing,
      workdir: run.sandbox.workdir,
    });
    const ids: string[] = [];
    for (const proposal of proposals) ids.push((await run.deps.store.createKnowledge(proposal)).id);
    return ids.length > 0 ? { type: 'knowledge.proposed', ids } : null;
  } catch (error) {
    run.deps.knowledge?.onError?.(error, session.id);
    return null;
  }
}
