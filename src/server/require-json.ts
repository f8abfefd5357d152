import type { MiddlewareHandler } from 'hono';
import { BadInputError } from '../core/errors.ts';
import type { AppEnv } from './server-deps.ts';

// The media types the route validators read as JSON (@hono/zod-openapi's gate and hono's json validator);
// anything else they would answer 415 or validate as an empty object.
const JSON_CONTENT_TYPE = /^application\/([a-z.-]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/**
 * Runs before a route's body validator: a body that is not JSON, or not sent as JSON, is BadInputError
 * `invalid_json`, the same answer whatever is wrong with it.
 */
export const requireJson: MiddlewareHandler<AppEnv> = async (c, next) => {
  const contentType = c.req.header('content-type');
  let parsed = contentType !== undefined && JSON_CONTENT_TYPE.test(contentType);
  if (parsed) {
    try {
      JSON.parse(await c.req.text());
    } catch {
      parsed = false;
    }
  }
  if (!parsed) {
    throw new BadInputError('invalid_json', 'The body is not JSON; send Content-Type: application/json.');
  }
  await next();
};
