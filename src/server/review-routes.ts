import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { BadInputError } from '../core/errors.ts';
import { parseForgeRepo } from '../core/forge-repo.ts';
import type { Session } from '../core/session.ts';
import { MAX_TASK_CHARS } from '../sessions/create-session.ts';
import { createReviewSession } from '../sessions/review-run/create-review-session.ts';
import { defaultReviewRefs } from '../sessions/review-run/default-refs.ts';
import { startPullReview } from '../triggers/start-review.ts';
import { errorResponses, jsonBody, jsonResponse, sessionStateSchema } from './api-schemas.ts';
import { noteAudit } from './audit-middleware.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';
import { tokenCreator } from './session-access.ts';
import { combinedProblem, sessionRequestProblems } from './session-request.ts';
import { triggerDeps } from './trigger-wiring.ts';

const ref = z.string().trim().min(1).max(1024);

export const createReviewBody = z.object({
  repo: z
    .string()
    .trim()
    .min(1, 'name a registered repository: its id or its path (GET /api/repos lists them)')
    .meta({
      description:
        'A registered repository (GET /api/repos): its id, its path, or a forge repository (owner/name, gitlab:group/project)',
    }),
  head: ref.optional().meta({ description: 'The branch or commit with the change (a local repository)' }),
  pull: z.number().int().positive().optional().meta({
    description:
      "A forge repository's pull request number (a GitLab merge request's iid): reviewed and posted as for `@drydock review`",
  }),
  base: ref.optional().meta({
    description:
      "The branch the change goes into; default the head branch's upstream, else main, else master",
  }),
  model: z.string().trim().min(1).optional().meta({
    description:
      "provider:model of the reviewer, else the server's default; script: only with --allow-script-models",
  }),
  description: z.string().trim().max(MAX_TASK_CHARS).optional().meta({
    description: 'What the change says it does: a pull request description, a linked issue',
  }),
});

const createRouteDef = createRoute({
  method: 'post',
  path: '/',
  summary: 'Review a change: a review session on base..head, or of a pull request (member)',
  description:
    "A session of kind `review`: the reviewer alone on the change, its findings backed by evidence (docs/review.md). Its job is on the queue when this answers; the review is the session's `review.json` artifact once it is delivered. `repo` names a registered local repository with `head` (and `base`), or a registered GitHub or GitLab repository with `pull`: then its review is posted on the pull request as for an `@drydock review` comment.",
  middleware: [requireRole('member'), requireJson] as const,
  request: { body: jsonBody(createReviewBody) },
  responses: {
    201: jsonResponse(z.object({ id: z.string(), state: sessionStateSchema }), 'Queued'),
    ...errorResponses(400, 401, 403, 413),
  },
});

/** `/api/reviews`: reviews of existing changes, as sessions of kind `review`. */
export function reviewRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const app = createOpenApiApp();
  app.openapi(
    createRouteDef,
    async (c) => {
      const body = c.req.valid('json');
      const { problems, registered } = await sessionRequestProblems(deps, {
        repo: body.repo,
        model: body.model,
      });
      const problem = combinedProblem('review', problems);
      if (problem || !registered) throw problem ?? new Error('a checked request names no repository');
      let session: Session;
      if (registered.kind === 'forge') {
        const extra = (['head', 'base', 'description'] as const).filter((key) => body[key] !== undefined);
        if (body.pull !== undefined && extra.length > 0) {
          throw new BadInputError(
            'invalid_input',
            `A pull request is reviewed as it is on its forge: leave out ${extra.join(', ')}.`,
            { details: { fields: Object.fromEntries(extra.map((key) => [key, 'not with pull'])) } },
          );
        }
        session = await reviewPull(deps, registered.repo, body.pull, {
          createdBy: tokenCreator(c.get('token')),
          ...(body.model ? { model: body.model } : {}),
        });
        noteAudit(c, {
          action: 'review.created',
          target: session.id,
          details: { repo: registered.repo, pull: body.pull ?? null },
        });
        return c.json({ id: session.id, state: session.state }, 201);
      }
      if (body.pull !== undefined) {
        throw new BadInputError(
          'review_needs_forge_repo',
          `${body.repo} is a local repository: it has no pull requests. Name the change by head (and base) instead.`,
          { details: { fields: { pull: 'only for a forge repository' } } },
        );
      }
      if (body.head === undefined) {
        throw new BadInputError('invalid_input', 'Name the branch or commit with the change: head.', {
          details: { fields: { head: 'required for a local repository' } },
        });
      }
      const refs = await defaultReviewRefs(registered.repo, { base: body.base, head: body.head });
      session = await createReviewSession(deps.sessions, {
        repo: registered.repo,
        ...refs,
        model: body.model ?? deps.defaultModel,
        ...(body.description ? { description: body.description } : {}),
        createdBy: tokenCreator(c.get('token')),
      });
      await deps.control.wake(session.id);
      noteAudit(c, {
        action: 'review.created',
        target: session.id,
        details: { repo: session.repo, ref: session.ref },
      });
      return c.json({ id: session.id, state: session.state }, 201);
    },
    rejectInvalid('review'),
  );
  return app;
}

/**
 * A pull request of a registered GitHub or GitLab repository, reviewed through the path an `@drydock review`
 * comment takes (startPullReview: its review link, the publisher, the acknowledgement on the pull request). The
 * API token's member role is the permission: no forge login is checked. Refuses what could never be posted.
 */
async function reviewPull(
  deps: ServerDeps,
  repo: string,
  pull: number | undefined,
  who: { createdBy: ReturnType<typeof tokenCreator>; model?: string },
): Promise<Session> {
  const { createdBy } = who;
  if (pull === undefined) {
    throw new BadInputError(
      'invalid_input',
      `${repo} is a forge repository: name the pull request to review, { repo, pull } (a GitLab merge request's iid).`,
      { details: { fields: { pull: 'required for a forge repository' } } },
    );
  }
  const kind = parseForgeRepo(repo)?.kind;
  const reviews = deps.triggers?.forge?.reviews;
  if (kind === 'gitea' || kind === 'bitbucket' || !deps.triggers || !reviews) {
    throw new BadInputError(
      'forge_review_not_supported',
      deps.triggers?.forge
        ? `drydock reviews GitHub pull requests and GitLab merge requests, not ${repo}'s; review a local change with head (and base).`
        : `This server has no forge configured: set DRYDOCK_GITHUB_TOKEN (or a GitHub App) or DRYDOCK_GITLAB_TOKEN to review ${repo}'s pull requests.`,
      { details: { fields: { repo: 'GitHub or GitLab, with a forge configured' } } },
    );
  }
  return startPullReview(triggerDeps(deps, deps.triggers), reviews, {
    repo,
    pull,
    requester: createdBy.id,
    createdBy,
    acknowledge: true,
    ...(who.model ? { model: who.model } : {}),
  });
}
