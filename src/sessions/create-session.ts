import { type BadInputCode, BadInputError } from '../core/errors.ts';
import type { EgressRule } from '../core/ports/sandbox.ts';
import type { Requester, Session, SessionCreator } from '../core/session.ts';
import { ZERO_USAGE } from '../core/session.ts';
import { resolveLocalRepository } from '../forge/local-repository.ts';
import { planAttempts } from './attempts/attempt-plan.ts';
import { type AppliedPlaybook, applyPlaybook } from './playbooks.ts';
import type { SessionDeps } from './session-deps.ts';
import { refuseOverSpend, spendRepo } from './spend-limits.ts';

export interface SessionRequest {
  task: string;
  repo: string;
  /** Branch, tag or commit; default HEAD. */
  ref?: string;
  model: string;
  /** The smart friend's `provider:model`; absent: the session has no friend. */
  friendModel?: string;
  /** Who asked, when a trigger knows: the co-author of the session's commits. */
  requestedBy?: Requester;
  /** Who started it on a server (an API token, a trigger); absent from the local CLI. */
  createdBy?: SessionCreator;
  /** Hosts its agent may reach beyond the repository's policy (a rerun that allows a blocked host). */
  allowHosts?: EgressRule[];
  /** `manager`: a manager session that splits the task among child sessions (docs/attempts.md). */
  mode?: 'manager';
  /** Best of N (docs/attempts.md): `model` this many times, or one attempt per spec in `models`. */
  attempts?: number;
  models?: string[];
  /**
   * Run a playbook (docs/playbooks.md): its rendered steps become the task (`task`, when not empty,
   * follows them as a note) and the coder's initial plan. `orTask`: when no playbook has that name, run
   * `task` as an ordinary task (a mention like `@drydock tidy-up` whose first word only looks like one).
   */
  playbook?: { name: string; inputs?: Record<string, string>; orTask?: boolean };
  /** `model` is a default, not the requester's choice: a playbook's model takes its place. */
  modelIsDefault?: boolean;
}

export const MAX_TASK_CHARS = 100_000;

/**
 * Validates a request completely (task, repository, ref, model and its key) before writing anything,
 * so bad input leaves nothing half-created; then stores the new session in state `queued`.
 */
export async function createSession(deps: SessionDeps, request: SessionRequest): Promise<Session> {
  try {
    return await validateAndCreate(deps, request);
  } catch (error) {
    throw withField(error);
  }
}

const MODEL_CODES: readonly BadInputCode[] = [
  'unknown_model',
  'missing_api_key',
  'missing_base_url',
  'invalid_base_url',
  'invalid_script',
];

/** Which request field a validation error is about, so forms can show it next to that field. Pure. */
export function fieldOf(code: BadInputCode): keyof SessionRequest | 'inputs' | null {
  if (code === 'empty_task' || code === 'task_too_long') return 'task';
  if (code === 'repo_not_found' || code === 'not_a_git_repository') return 'repo';
  if (code === 'unknown_ref') return 'ref';
  if (code === 'unknown_playbook' || code === 'invalid_playbook') return 'playbook';
  if (code === 'missing_playbook_input' || code === 'unknown_playbook_input') return 'inputs';
  if (MODEL_CODES.includes(code)) return 'model';
  return null;
}

/**
 * The error with its field named (`details.fields`), so a form shows it there. The message stays as it
 * was (the CLI and the API print it: it may name a flag); the field's text is what any form can show, so
 * it names no CLI flag and no API route. Pure.
 */
export function withField(error: unknown): unknown {
  if (!(error instanceof BadInputError) || error.details?.fields) return error;
  const field = fieldOf(error.code);
  if (!field) return error;
  return new BadInputError(error.code, error.message, {
    cause: error.cause,
    details: { ...error.details, fields: { [field]: fieldText(error) } },
  });
}

/** A field error's words for a form. Pure. */
export function fieldText(error: BadInputError): string {
  const detail = (key: string) => {
    const value = error.details?.[key];
    return typeof value === 'string' ? value : null;
  };
  const spec = detail('spec');
  const variable = detail('variable');
  switch (error.code) {
    case 'empty_task':
      return 'say what drydock should do';
    case 'repo_not_found':
      return 'no such directory on the server';
    case 'not_a_git_repository':
      return 'not a git repository';
    case 'unknown_ref': {
      const ref = detail('ref');
      return ref === null
        ? 'the repository has no commits yet'
        : `no branch, tag or commit "${ref}" in this repository`;
    }
    case 'missing_api_key':
    case 'missing_base_url':
      return spec && variable
        ? `${spec} is not set up on this server (it needs ${variable})`
        : 'this model is not set up on this server';
    default:
      return error.message;
  }
}

/** The task, trimmed, or a BadInputError when it is empty or too long. Pure. */
function checkTask(text: string): string {
  const task = text.trim();
  if (task === '')
    throw new BadInputError(
      'empty_task',
      'The task is empty. Say what drydock should do, e.g. drydock run "fix the failing test" --repo .',
    );
  if (task.length > MAX_TASK_CHARS) {
    throw new BadInputError(
      'task_too_long',
      `The task is ${task.length} characters; the limit is ${MAX_TASK_CHARS}.`,
    );
  }
  return task;
}

async function validateAndCreate(deps: SessionDeps, asked: SessionRequest): Promise<Session> {
  // A playbook's task is known once its repository is: an empty task is fine until then.
  if (asked.playbook === undefined) checkTask(asked.task);
  const ref = asked.ref?.trim() || 'HEAD';
  const repository = await resolveLocalRepository(asked.repo, ref);
  const playbook = asked.playbook ? await playbookFor(deps, repository, asked) : null;
  const request = playbook ? withPlaybook(asked, playbook) : asked;
  const task = checkTask(request.task);
  deps.models(request.model);
  const friendModel = request.friendModel?.trim() || undefined;
  if (friendModel !== undefined) checkFriendModel(deps, request.model, friendModel);
  const attemptModels = planAttempts(deps, request.model, request);
  if (attemptModels && request.mode === 'manager') {
    const text = 'a manager session runs one manager; attempts are for plain sessions';
    throw new BadInputError(
      'bad_attempts',
      `Attempts: ${text} (leave out --attempts/--models or --manager).`,
      {
        details: { fields: { attempts: text, mode: text } },
      },
    );
  }
  // New work under a spent limit is refused before anything is created (docs/cost.md).
  await refuseOverSpend(
    deps.store,
    {
      repo: spendRepo(deps.home, repository.path),
      ...(request.createdBy ? { creator: request.createdBy.id } : {}),
    },
    deps.spendLimits,
  );
  const session = newSessionRecord(deps, {
    task,
    repo: repository.path,
    ref,
    baseCommit: repository.commit,
    model: request.model,
    ...(friendModel === undefined ? {} : { friendModel }),
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    ...(request.createdBy ? { createdBy: request.createdBy } : {}),
    ...(request.allowHosts?.length ? { allowHosts: request.allowHosts } : {}),
    ...(request.mode === 'manager' ? { kind: 'manager' as const } : {}),
    ...(attemptModels ? { kind: 'attempts' as const, attemptModels } : {}),
  });
  await deps.store.createSession(session);
  // Recorded before any worker runs it: provisioning seeds the coder's plan from this event.
  if (playbook) await deps.store.record(session.id, { events: [playbook.event] });
  return session;
}

/** The playbook a request names, applied; null when it names none and may run as a plain task. */
async function playbookFor(
  deps: SessionDeps,
  repository: { path: string; commit: string },
  request: SessionRequest,
): Promise<AppliedPlaybook | null> {
  const call = request.playbook;
  if (!call) return null;
  try {
    return await applyPlaybook(
      deps.store,
      repository,
      { name: call.name, inputs: call.inputs ?? {} },
      request.task,
    );
  } catch (error) {
    if (call.orTask && error instanceof BadInputError && error.code === 'unknown_playbook') return null;
    throw error;
  }
}

/** The request with the playbook's task, and its model and attempts where the request left them open. Pure. */
function withPlaybook(request: SessionRequest, playbook: AppliedPlaybook): SessionRequest {
  // A script: model reads a file where drydock runs: on a server, a repository (untrusted) cannot pick one.
  const model = playbook.model !== undefined && request.modelIsDefault ? playbook.model : undefined;
  if (model?.startsWith('script:') && playbook.event.source === 'repo' && request.createdBy) {
    const text = `the repository's playbook ${playbook.event.name} names a script: model, which a server does not take from a repository`;
    throw new BadInputError('script_models_disabled', `Playbook: ${text}; give a model in the request.`, {
      details: { fields: { playbook: text } },
    });
  }
  const attemptsOpen =
    request.attempts === undefined && request.models === undefined && request.mode !== 'manager';
  return {
    ...request,
    task: playbook.task,
    ...(model === undefined ? {} : { model }),
    ...(playbook.attempts !== undefined && playbook.attempts > 1 && attemptsOpen
      ? { attempts: playbook.attempts }
      : {}),
  };
}

/** Resolves the friend's model now, so a bad spec or a missing key is an error on `friendModel`. */
function checkFriendModel(deps: SessionDeps, model: string, friendModel: string): void {
  try {
    deps.models(model, friendModel);
  } catch (error) {
    if (!(error instanceof BadInputError) || !MODEL_CODES.includes(error.code)) throw error;
    throw new BadInputError(error.code, `The friend model: ${error.message}`, {
      cause: error.cause,
      details: { ...error.details, fields: { friendModel: error.message } },
    });
  }
}

/** A new session as the store keeps it: queued, nothing done yet. */
export function newSessionRecord(
  deps: Pick<SessionDeps, 'clock' | 'ids'>,
  fields: Pick<
    Session,
    | 'task'
    | 'repo'
    | 'ref'
    | 'baseCommit'
    | 'model'
    | 'friendModel'
    | 'requestedBy'
    | 'createdBy'
    | 'allowHosts'
    | 'kind'
    | 'parentId'
    | 'attemptModels'
  >,
): Session {
  const now = deps.clock.now().toISOString();
  return {
    id: deps.ids.next(),
    state: 'queued',
    ...fields,
    headCommit: null,
    branch: null,
    steps: 0,
    usage: ZERO_USAGE,
    summary: null,
    reason: null,
    createdAt: now,
    updatedAt: now,
  };
}
