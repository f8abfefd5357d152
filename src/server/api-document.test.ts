import SwaggerParser from '@apidevtools/swagger-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkConformance } from '../../test/support/openapi-conformance.ts';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import { createSecretBox } from '../environments/secret-box.ts';
import { newSession } from '../store/store-contract.ts';
import { apiRoutes, createApp } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';

interface Operation {
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `method path` of each route the app serves that the document does not describe. Pure. */
function undocumented(routes: Array<{ method: string; path: string }>, document: Document): string[] {
  return routes
    .filter((route) => document.paths[route.path]?.[route.method] === undefined)
    .map((route) => `${route.method} ${route.path}`);
}

/** `method path` of each operation the document describes that the app does not serve. Pure. */
function unserved(routes: Array<{ method: string; path: string }>, document: Document): string[] {
  const served = new Set(routes.map((route) => `${route.method} ${route.path}`));
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => METHODS.includes(method) && !served.has(`${method} ${path}`))
      .map((method) => `${method} ${path}`),
  );
}

describe('/api/openapi.json', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(() => h.close());

  const build = (withTriggers: boolean) =>
    createApp({
      sessions: h.deps,
      bus: createInProcessEventBus(),
      control: {
        wake: async () => {},
        cancel: async () => {
          throw new Error('unused');
        },
      },
      defaultModel: 'script:demo',
      allowScriptModels: false,
      version: '1.2.3-test',
      ...(withTriggers
        ? {
            triggers: {
              forge: null,
              githubWebhookSecret: null,
              publicUrl: 'http://x',
              secrets: createSecretBox(Buffer.alloc(32, 1)),
            },
          }
        : {}),
    });
  const fetchDocument = async (app: ReturnType<typeof build>): Promise<Document> => {
    const response = await app.request('/api/openapi.json', {
      headers: { authorization: `Bearer ${h.tokens.viewer}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Document;
  };

  it.each([true, false])('is a valid OpenAPI 3.1 document (triggers: %s)', async (withTriggers) => {
    const document = await fetchDocument(build(withTriggers));
    expect(document.openapi).toBe('3.1.0');
    expect(document).toMatchObject({ info: { title: 'drydock', version: '1.2.3-test' } });
    // swagger-parser checks it against the OpenAPI 3.1 JSON schema and resolves every $ref.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it.each([true, false])(
    'describes every route the app serves and nothing it does not (triggers: %s)',
    async (withTriggers) => {
      const app = build(withTriggers);
      const document = await fetchDocument(app);
      const routes = apiRoutes(app);
      expect(routes.length).toBeGreaterThanOrEqual(withTriggers ? 33 : 16);
      expect(undocumented(routes, document)).toEqual([]);
      expect(unserved(routes, document)).toEqual([]);
      expect(routes.some((route) => route.path.startsWith('/webhooks/'))).toBe(withTriggers);
    },
  );

  it('catches a route added without a declaration', async () => {
    const app = build(false);
    app.get('/api/sessions/:id/secret', (c) => c.text('not in the document'));
    expect(undocumented(apiRoutes(app), await fetchDocument(app))).toEqual(['get /api/sessions/{id}/secret']);
  });

  it('gives every operation its answers with schemas, and every body its schema', async () => {
    const document = await fetchDocument(build(true));
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const name = `${method} ${path}`;
        const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
        expect(success, name).not.toEqual([]);
        for (const [status, response] of Object.entries(operation.responses)) {
          if (status === '204') continue;
          const media = Object.values(response.content ?? {});
          expect(media.length, `${name} ${status}`).toBeGreaterThan(0);
          for (const { schema } of media) expect(schema, `${name} ${status}`).toBeDefined();
          if (!status.startsWith('2')) {
            expect(response.content?.['application/json']?.schema, `${name} ${status}`).toEqual({
              $ref: '#/components/schemas/Error',
            });
          }
        }
        if (method === 'post' || method === 'patch') {
          const body = operation.requestBody?.content['application/json']?.schema;
          // A POST with nothing to say (cancel, opening a pull request, running a schedule now, a knowledge decision) has no body; every other write documents its body.
          if (
            ![
              '/api/sessions/{id}/cancel',
              '/api/sessions/{id}/pull-request',
              '/api/schedules/{id}/run',
              '/api/knowledge/{id}/approve',
              '/api/knowledge/{id}/reject',
            ].includes(path)
          )
            expect(body, name).toBeDefined();
        }
      }
    }
  });

  it('documents validation errors as they are answered', async () => {
    const app = build(false);
    const post = (body: string, contentType?: string) =>
      app.request('/api/sessions', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${h.tokens.member}`,
          ...(contentType ? { 'content-type': contentType } : {}),
        },
        body,
      });
    const invalid = await post(JSON.stringify({ repo: '', task: 3 }), 'application/json');
    expect(invalid.status).toBe(400);
    expect(await invalid.clone().json()).toMatchObject({
      error: {
        code: 'invalid_input',
        message: expect.stringMatching(/^Invalid session: /),
        fields: { repo: expect.any(String), task: expect.any(String) },
      },
    });
    await checkConformance(app, 'POST', '/api/sessions', invalid);
    // A body that is not JSON, or not sent as JSON, is invalid_json: never the validator's 415 or an empty object.
    for (const [body, contentType] of [
      ['{"repo":', 'application/json'],
      [JSON.stringify({ repo: 'x', task: 'y' }), 'text/plain'],
      [JSON.stringify({ repo: 'x', task: 'y' }), undefined],
    ] as const) {
      const refused = await post(body, contentType);
      expect(refused.status, `${contentType}: ${body}`).toBe(400);
      expect(await refused.clone().json()).toMatchObject({ error: { code: 'invalid_json' } });
      await checkConformance(app, 'POST', '/api/sessions', refused);
    }
    // Queries and headers are validated by their declared schemas too, fields named as sent.
    const get = (path: string, headers: Record<string, string> = {}) =>
      app.request(path, { headers: { authorization: `Bearer ${h.tokens.viewer}`, ...headers } });
    const twice = await get('/api/sessions?state=queued&state=failed');
    expect(twice.status).toBe(400);
    expect(await twice.json()).toMatchObject({
      error: { code: 'invalid_input', fields: { state: expect.any(String) } },
    });
    await h.store.createSession(newSession('s1'));
    const cursor = await get('/api/sessions/s1/events', { 'last-event-id': 'x' });
    expect(cursor.status).toBe(400);
    expect(await cursor.json()).toMatchObject({
      error: { code: 'invalid_input', fields: { 'last-event-id': expect.any(String) } },
    });
  });

  it('refuses answers the document does not describe', async () => {
    const app = build(false);
    const me = { id: 't1', name: 'n', role: 'viewer', creator: 'token:t1' };
    const json = (body: unknown, status: number) => Response.json(body, { status });
    await expect(checkConformance(app, 'GET', '/api/me', json(me, 200))).resolves.toBeUndefined();
    await expect(checkConformance(app, 'GET', '/api/me', json(me, 418))).rejects.toThrow(/does not document/);
    await expect(
      checkConformance(app, 'GET', '/api/me', json({ ...me, role: 'owner' }, 200)),
    ).rejects.toThrow(/schema refuses/);
    await expect(
      checkConformance(app, 'GET', '/api/sessions/s1', json({ error: { code: 'x' } }, 404)),
    ).rejects.toThrow(/schema refuses/);
  });
});
