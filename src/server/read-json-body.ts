import type { Context } from 'hono';
import { BadInputError } from '../core/errors.ts';

/** The request body as JSON, or BadInputError when it is not JSON. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadInputError('invalid_json', 'The body is not JSON; send Content-Type: application/json.');
  }
}
