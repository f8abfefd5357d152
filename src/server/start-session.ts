import type { z } from 'zod';
import { BadInputError } from '../core/errors.ts';
import { forgeNotConfigured } from '../core/forge-repo.ts';
import type { Session, SessionCreator } from '../core/session.ts';
import { createSession } from '../sessions/create-session.ts';
import { refuseOverSpend } from '../sessions/spend-limits.ts';
import { startWork } from '../triggers/start-work.ts';
import type { createSessionBody } from './schemas.ts';
import type { ServerDeps } from './server-deps.ts';
import { combinedProblem, sessionRequestProblems } from './session-request.ts';
import { triggerDeps } from './trigger-wiring.ts';

export type SessionRequestBody = z.infer<typeof createSessionBody>;

/**
 * Starts the session a client asked for (POST /api/sessions, the MCP `create_session` tool): every
 * problem of the request at once (the repository is registered, the ref, the models), then a session on
 * a local repository, queued and its job enqueued, or one on a forge repository as a trigger starts it.
 * `createdBy` is absent for the local operator (`drydock mcp` over stdio), as for `drydock run`.
 */
export async function startRequestedSession(
  deps: ServerDeps,
  body: SessionRequestBody,
  createdBy: SessionCreator | undefined,
): Promise<Session> {
  const { problems, registered } = await sessionRequestProblems(deps, body);
  const problem = combinedProblem('session', problems);
  if (problem || !registered) throw problem ?? new Error('a checked request names no repository');
  const model = body.model ?? deps.defaultModel;
  const task = body.task ?? '';
  const playbook =
    body.playbook === undefined
      ? {}
      : {
          playbook: { name: body.playbook, inputs: body.inputs ?? {} },
          modelIsDefault: body.model === undefined,
        };
  const friendModel = body.friendModel ?? deps.defaultFriendModel;
  const friend = friendModel === undefined ? {} : { friendModel };
  const creator = createdBy === undefined ? {} : { createdBy };
  const attempts = {
    ...(body.attempts === undefined ? {} : { attempts: body.attempts }),
    ...(body.models === undefined ? {} : { models: body.models }),
  };
  if (registered.kind === 'forge' && Object.keys(attempts).length > 0) {
    const text = 'attempts run on local repositories only, for now';
    throw new BadInputError('bad_attempts', `Attempts: ${text}.`, {
      details: { fields: body.models ? { models: text } : { attempts: text } },
    });
  }
  if (registered.kind === 'forge') {
    if (body.mode) {
      throw new BadInputError('mode_not_supported', 'A manager session runs on a local repository only.', {
        details: { fields: { mode: 'not for forge repositories' } },
      });
    }
    return startForgeSession(deps, {
      ref: body.ref,
      task,
      repo: registered.repo,
      model,
      ...friend,
      ...creator,
      ...playbook,
    });
  }
  const session = await createSession(deps.sessions, {
    task,
    repo: registered.repo,
    model,
    ...playbook,
    ...friend,
    ...creator,
    ...(body.ref ? { ref: body.ref } : {}),
    ...(body.mode ? { mode: body.mode } : {}),
    ...attempts,
  });
  await deps.control.wake(session.id);
  return session;
}

/**
 * A session on a registered forge repository, as a trigger starts one: on the control plane's clone of
 * its default branch, published as a pull request when it delivers.
 */
async function startForgeSession(
  deps: ServerDeps,
  request: {
    repo: string;
    task: string;
    model: string;
    friendModel?: string | undefined;
    ref?: string | undefined;
    createdBy?: SessionCreator;
    playbook?: { name: string; inputs: Record<string, string> };
    modelIsDefault?: boolean;
  },
): Promise<Session> {
  if (!deps.triggers?.forge) throw forgeNotConfigured(request.repo);
  if (request.ref) {
    throw new BadInputError(
      'ref_not_supported',
      'Sessions on a forge repository start from its default branch; leave out ref.',
      { details: { fields: { ref: 'forge repositories start from their default branch' } } },
    );
  }
  // An API request under a spent limit gets the 409 (a trigger's leaves a refused session instead).
  await refuseOverSpend(
    deps.sessions.store,
    { repo: request.repo, ...(request.createdBy ? { creator: request.createdBy.id } : {}) },
    deps.sessions.spendLimits,
  );
  return startWork(triggerDeps(deps, deps.triggers), {
    repo: request.repo,
    task: request.task,
    model: request.model,
    ...(request.friendModel === undefined ? {} : { friendModel: request.friendModel }),
    requester: request.createdBy?.id ?? 'local',
    ...(request.createdBy ? { createdBy: request.createdBy } : {}),
    ...(request.playbook ? { playbook: request.playbook } : {}),
    ...(request.modelIsDefault ? { modelIsDefault: true } : {}),
  });
}
