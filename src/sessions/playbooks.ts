import { BadInputError, describeError, isDrydockError } from '../core/errors.ts';
import type { EventData } from '../core/events.ts';
import {
  PLAYBOOK_NAME,
  PLAYBOOKS_DIR,
  type PlaybookEntry,
  type PlaybookSource,
  parsePlaybook,
  renderPlaybook,
  resolveInputs,
} from '../core/playbook.ts';
import type { Store } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import type { TodoItem } from '../core/todo.ts';
import { readFileAt } from '../environments/repo-files.ts';
import { git } from '../forge/git.ts';

/** A playbook that could not be read: listed with its error, never run. */
export interface BrokenPlaybook {
  name: string;
  source: PlaybookSource;
  error: string;
}

/** What a repository (at a commit) and the server offer, a repository's playbook hiding the server's. */
export interface PlaybookListing {
  playbooks: PlaybookEntry[];
  broken: BrokenPlaybook[];
}

const FILE = new RegExp(`^${PLAYBOOKS_DIR.replace('.', '\\.')}/([^/]+)\\.md$`);

/**
 * The playbooks of a repository at `commit` (read from its objects through drydock's git: nothing in
 * the repository runs) and the server's, by name. A repository's playbook wins over the server's of the
 * same name; one that does not parse is listed as broken (and hides the server's, so a typo never runs
 * another playbook than the repository meant). `repo` null: the server's only.
 */
export async function listPlaybooks(
  store: Pick<Store, 'listPlaybooks'>,
  repo: { path: string; commit: string } | null,
): Promise<PlaybookListing> {
  const byName = new Map<string, PlaybookEntry | BrokenPlaybook>();
  for (const stored of await store.listPlaybooks()) {
    byName.set(
      stored.name,
      parseOrBroken(stored.name, stored.text, 'server', `server playbook ${stored.name}`),
    );
  }
  if (repo) {
    for (const path of await playbookFiles(repo.path, repo.commit)) {
      const name = FILE.exec(path)?.[1];
      if (name === undefined) continue;
      const text = await readFileAt(repo.path, repo.commit, path);
      if (text === null) continue;
      byName.set(
        name,
        PLAYBOOK_NAME.test(name)
          ? parseOrBroken(name, text.toString('utf8'), 'repo', path)
          : {
              name,
              source: 'repo',
              error: `${path}: not a playbook name (lowercase letters, digits, _ and -)`,
            },
      );
    }
  }
  const entries = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  return {
    playbooks: entries.filter((entry): entry is PlaybookEntry => !('error' in entry)),
    broken: entries.filter((entry): entry is BrokenPlaybook => 'error' in entry),
  };
}

/**
 * One playbook by name, as listPlaybooks resolves it; a broken one throws its parse error
 * (`invalid_playbook`), and a name neither has throws `unknown_playbook` listing what there is.
 */
export async function findPlaybook(
  store: Pick<Store, 'listPlaybooks'>,
  repo: { path: string; commit: string } | null,
  name: string,
): Promise<PlaybookEntry> {
  const listing = await listPlaybooks(store, repo);
  const found = listing.playbooks.find((playbook) => playbook.name === name);
  if (found) return found;
  const broken = listing.broken.find((playbook) => playbook.name === name);
  if (broken) {
    throw new BadInputError('invalid_playbook', broken.error, {
      details: { fields: { playbook: broken.error } },
    });
  }
  throw unknownPlaybook(name, listing);
}

/** `unknown_playbook`, saying what there is and where playbooks live. Pure. */
export function unknownPlaybook(name: string, listing: PlaybookListing): BadInputError {
  const names = listing.playbooks.map((playbook) => playbook.name);
  const available = names.length > 0 ? `available: ${names.join(', ')}` : 'there are none yet';
  const text = `no playbook "${name}" (${available})`;
  return new BadInputError(
    'unknown_playbook',
    `There is ${text}. Add ${PLAYBOOKS_DIR}/${name}.md to the repository, or see drydock playbook list --repo <repo>.`,
    { details: { fields: { playbook: text }, available: names } },
  );
}

/** What running a playbook makes of a request: the task, the plan, and the event that says so. */
export interface AppliedPlaybook {
  task: string;
  model?: string;
  attempts?: number;
  event: Extract<EventData, { type: 'playbook.applied' }>;
}

/**
 * Finds `name`, checks the inputs against it (missing and unknown ones are `BadInputError`s on the
 * `inputs` field) and renders it. `note` (the request's own task text, when it has one) follows the steps.
 */
export async function applyPlaybook(
  store: Pick<Store, 'listPlaybooks'>,
  repo: { path: string; commit: string },
  call: { name: string; inputs: Readonly<Record<string, string>> },
  note = '',
): Promise<AppliedPlaybook> {
  const playbook = await findPlaybook(store, repo, call.name);
  const inputs = resolveInputs(playbook, call.inputs);
  const rendered = renderPlaybook(playbook, inputs);
  const extra = note.trim();
  return {
    task: extra === '' ? rendered.task : `${rendered.task}\n\nAlso, from the requester:\n${extra}`,
    ...(playbook.model === undefined ? {} : { model: playbook.model }),
    ...(playbook.attempts === undefined ? {} : { attempts: playbook.attempts }),
    event: {
      type: 'playbook.applied',
      name: playbook.name,
      source: playbook.source,
      inputs,
      steps: rendered.steps,
    },
  };
}

/** The paths in the playbooks folder at `commit` (that folder only: not the whole tree). */
async function playbookFiles(repo: string, commit: string): Promise<string[]> {
  const out = await git(['ls-tree', '-z', '--name-only', commit, '--', `${PLAYBOOKS_DIR}/`], { cwd: repo });
  return out.split('\0').filter((path) => path !== '');
}

function parseOrBroken(
  name: string,
  text: string,
  source: PlaybookSource,
  file: string,
): PlaybookEntry | BrokenPlaybook {
  try {
    return { ...parsePlaybook(name, text, file), source };
  } catch (error) {
    if (!isDrydockError(error)) throw error;
    return { name, source, error: describeError(error) };
  }
}

/**
 * The coder's initial plan when the session runs a playbook: its steps, all pending, from the
 * `playbook.applied` event createSession recorded (an attempt's from its parent's log: it runs the same
 * task). Null when the session runs no playbook.
 */
export async function playbookPlan(
  store: Pick<Store, 'listEvents'>,
  session: Pick<Session, 'id' | 'kind' | 'parentId'>,
): Promise<TodoItem[] | null> {
  const logOf = session.kind === 'attempt' && session.parentId ? session.parentId : session.id;
  // Recorded right after session.created: the first few events hold it.
  const events = await store.listEvents(logOf, 0, 5);
  const applied = events.find((event) => event.data.type === 'playbook.applied')?.data;
  if (applied?.type !== 'playbook.applied' || applied.steps.length === 0) return null;
  return applied.steps.map((text, index) => ({ id: String(index + 1), text, status: 'pending' }));
}
