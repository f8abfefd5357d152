import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';

type Document = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

/**
 * The OpenAPI 3.1 document of `app`, generated from the zod schemas its routes validate with, once: routes
 * are all registered before the app serves. Every route needs a bearer token unless it says otherwise.
 */
export function apiDocument<E extends Env>(app: OpenAPIHono<E>, version: string): () => Document {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  let document: Document | undefined;
  return () => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'drydock',
        version,
        description:
          'The control plane of drydock, a self-hostable background coding agent (docs/api.md). Every /api route except /api/health needs a bearer token; /webhooks routes prove themselves with a signature instead.',
      },
      security: [{ bearer: [] }],
    });
    return document;
  };
}
