import { Hono } from 'hono';
import { requireRole } from './auth.ts';
import { readJsonBody } from './read-json-body.ts';
import { createTokenBody, parseInput } from './schemas.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';
import { generateTokenSecret, hashToken } from './tokens.ts';

/** `/api/tokens`: admins create tokens (the secret is shown once) and list them. */
export function tokenRoutes(deps: ServerDeps): Hono<AppEnv> {
  const { store } = deps.sessions;
  const app = new Hono<AppEnv>();
  app.use(requireRole('admin'));

  app.post('/', async (c) => {
    const body = parseInput(createTokenBody, await readJsonBody(c), 'token');
    const secret = generateTokenSecret();
    const token = await store.createToken({ name: body.name, role: body.role, tokenHash: hashToken(secret) });
    return c.json({ id: token.id, name: token.name, role: token.role, token: secret }, 201);
  });

  app.get('/', async (c) => {
    const tokens = await store.listTokens();
    return c.json({ tokens: tokens.map(({ id, name, role, createdAt }) => ({ id, name, role, createdAt })) });
  });

  return app;
}
