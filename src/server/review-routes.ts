import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { BadInputError } from '../core/errors.ts';
import { MAX_TASK_CHARS } from '../sessions/create-session.ts';
import { createReviewSession } from '../sessions/review-run/create-review-session.ts';
import { defaultReviewRefs } from '../sessions/review-run/default-refs.ts';
import { errorResponses, jsonBody, jsonResponse, sessionStateSchema } from './api-schemas.ts';
import { noteAudit } from './audit-middleware.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';
import { tokenCreator } from './session-access.ts';
import { combinedProblem, sessionRequestProblems } from './session-request.ts';

const ref = z.string().trim().min(1).max(1024);

export const createReviewBody = z.object({
  repo: z
    .string()
    .trim()
    .min(1, 'name a registered repository: its id or its path (GET /api/repos lists them)')
    .meta({ description: 'A registered local repository (GET /api/repos): its id or its path' }),
  head: ref.meta({ description: 'The branch or commit with the change' }),
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
  summary: 'Review a change: a review session on base..head (member)',
  description:
    "A session of kind `review`: the reviewer alone on the change, its findings backed by evidence (docs/review.md). Its job is on the queue when this answers; the review is the session's `review.json` artifact once it is delivered. `repo` names a registered local repository.",
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
      if (registered.kind === 'forge') {
        throw new BadInputError(
          'forge_review_not_supported',
          'Reviews run on registered local repositories for now; a forge repository is reviewed from its pull requests later.',
          { details: { fields: { repo: 'reviews run on local repositories' } } },
        );
      }
      const refs = await defaultReviewRefs(registered.repo, { base: body.base, head: body.head });
      const session = await createReviewSession(deps.sessions, {
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
