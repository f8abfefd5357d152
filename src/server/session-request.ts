import { BadInputError, isDrydockError } from '../core/errors.ts';
import type { RegisteredRepo } from '../core/ports/store.ts';
import { resolveLocalRepository } from '../forge/local-repository.ts';
import { withField } from '../sessions/create-session.ts';
import { applyPlaybook } from '../sessions/playbooks.ts';
import { requireRegisteredRepo } from '../sessions/registered-repos.ts';
import { checkModel } from './model-check.ts';
import { playbookRepoOf } from './playbook-routes.ts';
import type { ServerDeps } from './server-deps.ts';

/** What a new session's request names, as far as it could be read (a field zod refused is absent). */
export interface SessionRequestFields {
  repo?: string | undefined;
  model?: string | undefined;
  friendModel?: string | undefined;
  ref?: string | undefined;
  /** Best of N: one attempt per spec, each held to what `model` is held to. */
  models?: readonly string[] | undefined;
  /** A playbook and its inputs: found, its inputs complete, and its model (when `model` is absent) accepted. */
  playbook?: string | undefined;
  inputs?: Readonly<Record<string, string>> | undefined;
}

/**
 * Every problem of a session's request that the server checks beyond its schema — the repository is
 * registered, the ref is in it, the model and the friend's are accepted and set up here — each a
 * BadInputError naming its field, so a form shows them all after one submit. Checks only what `fields`
 * has; throws what is not a field problem (the store failing).
 */
export async function sessionRequestProblems(
  deps: ServerDeps,
  fields: SessionRequestFields,
): Promise<{ problems: BadInputError[]; registered: RegisteredRepo | null }> {
  const problems: BadInputError[] = [];
  const attempt = async <T>(check: () => T | Promise<T>): Promise<T | null> => {
    try {
      return await check();
    } catch (error) {
      const named = withField(error);
      if (!(named instanceof BadInputError) || !named.details?.fields) throw error;
      problems.push(named);
      return null;
    }
  };
  const registered =
    fields.repo === undefined
      ? null
      : await attempt(() => requireRegisteredRepo(deps.sessions.store, fields.repo ?? ''));
  const model = fields.model ?? deps.defaultModel;
  const modelOk = await attempt(() => {
    checkModel(deps, model);
    deps.sessions.models(model);
    return true;
  });
  const friendModel = fields.friendModel ?? deps.defaultFriendModel;
  if (friendModel !== undefined) {
    await attempt(() => {
      checkModel(deps, friendModel, 'friendModel');
      if (!modelOk) return;
      try {
        deps.sessions.models(model, friendModel);
      } catch (error) {
        const named = withField(error);
        if (!(named instanceof BadInputError) || !named.details?.fields) throw error;
        throw new BadInputError(named.code, `The friend model: ${named.message}`, {
          cause: error,
          details: { ...named.details, fields: { friendModel: Object.values(named.details.fields)[0] } },
        });
      }
    });
  }
  // Each attempt's model is a model like `model`: script: ones only where the server accepts them.
  for (const spec of fields.models ?? []) {
    await attempt(() => {
      checkModel(deps, spec, 'models');
      deps.sessions.models(spec);
    });
  }
  const ref = fields.ref?.trim();
  if (registered && ref) {
    if (registered.kind === 'forge') {
      problems.push(
        new BadInputError(
          'ref_not_supported',
          'Sessions on a forge repository start from its default branch; leave out ref.',
          { details: { fields: { ref: 'forge repositories start from their default branch' } } },
        ),
      );
    } else {
      await attempt(() => resolveLocalRepository(registered.repo, ref));
    }
  }
  if (registered && fields.playbook !== undefined) {
    const name = fields.playbook;
    const applied = await attempt(async () => {
      const at = await playbookRepoOf(deps, registered, registered.kind === 'local' ? ref : undefined);
      // A forge repository not cloned yet: its playbooks are checked when the session starts.
      if (at === null) return null;
      return applyPlaybook(deps.sessions.store, at, { name, inputs: fields.inputs ?? {} });
    });
    const playbookModel = fields.model === undefined ? applied?.model : undefined;
    if (playbookModel !== undefined) {
      await attempt(() => {
        checkModel(deps, playbookModel, 'playbook');
        deps.sessions.models(playbookModel);
      });
    }
  }
  return { problems, registered };
}

/**
 * One error for all of a request's problems: the problem itself when there is one (its own code, as
 * before), else `invalid_input` with every field. Null when there is none.
 */
export function combinedProblem(what: string, problems: readonly BadInputError[]): BadInputError | null {
  const [first] = problems;
  if (first === undefined) return null;
  if (problems.length === 1) return first;
  const fields: Record<string, string> = {};
  for (const problem of problems) {
    for (const [field, text] of Object.entries(fieldsOf(problem))) fields[field] ??= text;
  }
  return new BadInputError(
    'invalid_input',
    `Invalid ${what}: ${problems.map((problem) => problem.message).join(' ')}`,
    { details: { fields } },
  );
}

function fieldsOf(error: unknown): Record<string, string> {
  const fields = isDrydockError(error) ? error.details?.fields : undefined;
  if (typeof fields !== 'object' || fields === null) return {};
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
