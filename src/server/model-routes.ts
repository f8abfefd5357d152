import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { isDrydockError } from '../core/errors.ts';
import { KNOWN_MODEL_SPECS } from '../models/known-models.ts';
import { errorResponses, jsonResponse } from './api-schemas.ts';
import { checkModel } from './model-check.ts';
import { createOpenApiApp } from './openapi-app.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';

const usableModelSchema = z
  .object({
    spec: z.string().meta({ description: 'provider:model, as a request names it' }),
    default: z.boolean().meta({ description: "The server's default for requests that name none" }),
  })
  .meta({ id: 'UsableModel' });

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Models sessions can use on this server (any role)',
  description:
    "The server's default, its default friend, the well-known models of each provider and the models of recent sessions, each listed only when this server accepts it and has its provider set up (a key or a base URL in its environment; which one is never shown). `defaultUsable` is false when the default itself is not set up: a request must then name a model.",
  responses: {
    200: jsonResponse(
      z.object({
        models: z.array(usableModelSchema),
        default: z.string(),
        defaultUsable: z.boolean(),
        defaultFriend: z.string().optional(),
      }),
      'Usable models',
    ),
    ...errorResponses(401),
  },
});

/** How many recent sessions' models are offered besides the well-known ones. */
const RECENT_SESSIONS = 50;

/** `/api/models`: what a form offers in its model picker. */
export function modelRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const app = createOpenApiApp();
  // Whether a spec would be accepted for a session now: the same checks a request goes through.
  const usable = (spec: string): boolean => {
    try {
      checkModel(deps, spec);
      deps.sessions.models(spec);
      return true;
    } catch (error) {
      if (isDrydockError(error) && error.kind === 'bad_input') return false;
      throw error;
    }
  };

  app.openapi(listRoute, async (c) => {
    const recent = await deps.sessions.store.listSessions({ limit: RECENT_SESSIONS });
    const candidates = new Set([
      deps.defaultModel,
      ...(deps.defaultFriendModel === undefined ? [] : [deps.defaultFriendModel]),
      ...KNOWN_MODEL_SPECS,
      ...recent.map((session) => session.model),
    ]);
    const models = [...candidates]
      .filter(usable)
      .map((spec) => ({ spec, default: spec === deps.defaultModel }));
    return c.json(
      {
        models,
        default: deps.defaultModel,
        defaultUsable: models.some((model) => model.default),
        ...(deps.defaultFriendModel === undefined ? {} : { defaultFriend: deps.defaultFriendModel }),
      },
      200,
    );
  });
  return app;
}
