import { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv } from './server-deps.ts';

/**
 * A hono app whose routes are declared with `createRoute` (`app.openapi(route, handler)`): their zod schemas
 * validate the request and generate /api/openapi.json. Input that fails validation is BadInputError
 * `invalid_input`, answered by the app's one error handler; routes name what was invalid with their own hook.
 */
export function createOpenApiApp<E extends Env = AppEnv>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook: rejectInvalid('request') });
}
