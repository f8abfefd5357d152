import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { errorResponses, jsonBody, jsonResponse, roleSchema, tokenInfoSchema } from './api-schemas.ts';
import { noteAudit } from './audit-middleware.ts';
import { requireRole } from './auth.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { createTokenBody, rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';
import { generateTokenSecret, hashToken } from './tokens.ts';

const createTokenRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a token (admin); the secret is shown once',
  middleware: [requireJson] as const,
  request: { body: jsonBody(createTokenBody) },
  responses: {
    201: jsonResponse(
      z.object({ id: z.string(), name: z.string(), role: roleSchema, token: z.string() }),
      'The token, with its secret',
    ),
    ...errorResponses(400, 401, 403, 413),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'List tokens (admin), without their secrets',
  responses: {
    200: jsonResponse(z.object({ tokens: z.array(tokenInfoSchema) }), 'Tokens'),
    ...errorResponses(401, 403),
  },
});

/** `/api/tokens`: admins create tokens (the secret is shown once) and list them. */
export function tokenRoutes(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store } = deps.sessions;
  const app = createOpenApiApp();
  app.use(requireRole('admin'));

  app.openapi(
    createTokenRoute,
    async (c) => {
      const body = c.req.valid('json');
      const secret = generateTokenSecret();
      const token = await store.createToken({
        name: body.name,
        role: body.role,
        tokenHash: hashToken(secret),
      });
      noteAudit(c, {
        action: 'token.created',
        target: token.id,
        details: { name: token.name, role: token.role },
      });
      return c.json({ id: token.id, name: token.name, role: token.role, token: secret }, 201);
    },
    rejectInvalid('token'),
  );

  app.openapi(listRoute, async (c) => {
    const tokens = await store.listTokens();
    return c.json(
      { tokens: tokens.map(({ id, name, role, createdAt }) => ({ id, name, role, createdAt })) },
      200,
    );
  });

  return app;
}
