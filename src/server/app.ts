import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { NotFoundError, TooLargeError } from '../core/errors.ts';
import { analyticsRoutes } from './analytics-routes.ts';
import { apiDocument } from './api-document.ts';
import { errorResponses, jsonResponse, roleSchema } from './api-schemas.ts';
import { auditApi, auditWebhookRefusals } from './audit-middleware.ts';
import { auditRoutes } from './audit-routes.ts';
import { authenticate } from './auth.ts';
import { errorResponse } from './error-response.ts';
import { evalRoutes } from './eval-routes.ts';
import { eventRoutes } from './events-route.ts';
import { knowledgeRoutes } from './knowledge-routes.ts';
import { limitRoutes } from './limit-routes.ts';
import { defaultLogger } from './logger.ts';
import { modelRoutes } from './model-routes.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { outcomeRoutes } from './outcome-routes.ts';
import { playbookRoutes } from './playbook-routes.ts';
import { repoRoutes } from './repo-routes.ts';
import { reviewRoutes } from './review-routes.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';
import { tokenCreator } from './session-access.ts';
import { sessionRoutes } from './session-routes.ts';
import { serveWeb } from './static-web.ts';
import { createStorePoller } from './store-poller.ts';
import { tokenRoutes } from './token-routes.ts';
import { trackerConnectionRoutes } from './tracker-connection-routes.ts';
import { trackerRoutes } from './tracker-routes.ts';
import { treeRoutes } from './tree-routes.ts';
import { triggerRoutes } from './trigger-routes.ts';
import { trackerConnectionsOf, triggerDeps } from './trigger-wiring.ts';
import { webhookRoutes } from './webhook-routes.ts';

export const MAX_BODY_BYTES = 1024 * 1024;
/** GitHub caps payloads at 25 MB; ones drydock acts on are far smaller. */
export const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

const healthRoute = createRoute({
  method: 'get',
  path: '/api/health',
  summary: 'Liveness',
  security: [],
  responses: { 200: jsonResponse(z.object({ ok: z.literal(true), version: z.string() }), 'Up') },
});

const documentRoute = createRoute({
  method: 'get',
  path: '/api/openapi.json',
  summary: 'This document',
  responses: {
    200: jsonResponse(z.looseObject({ openapi: z.string() }), 'OpenAPI 3.1'),
    ...errorResponses(401),
  },
});

const meRoute = createRoute({
  method: 'get',
  path: '/api/me',
  summary:
    'The token this request carries: its id, name and role, and the `createdBy.id` of the sessions it starts',
  responses: {
    200: jsonResponse(
      z.object({ id: z.string(), name: z.string(), role: roleSchema, creator: z.string() }),
      'The token',
    ),
    ...errorResponses(401),
  },
});

/**
 * The control plane's HTTP app (docs/api.md): the API under /api, the web UI at / when built. Its routes are
 * declared with zod schemas that validate requests and generate /api/openapi.json.
 */
export function createApp(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const { store } = deps.sessions;
  const sources = {
    store,
    bus: deps.bus,
    poller: deps.poller ?? createStorePoller(store, deps.bus, deps.eventPollMs ?? 1000),
  };
  const app = createOpenApiApp();
  const log = (deps.log ?? defaultLogger()).child({ component: 'http' });

  app.onError((error, c) => {
    const { status, body } = errorResponse(error);
    if (status === 500) log.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
    return c.json(body, status);
  });
  app.notFound((c) => {
    const { status, body } = errorResponse(
      new NotFoundError('route_not_found', `No route ${c.req.method} ${c.req.path}; see /api/openapi.json.`),
    );
    return c.json(body, status);
  });

  if (deps.triggers) {
    const triggers = deps.triggers;
    app.use('/webhooks/*', auditWebhookRefusals(store, log));
    app.use(
      '/webhooks/*',
      bodyLimit({
        maxSize: MAX_WEBHOOK_BYTES,
        onError: () => {
          throw new TooLargeError('body_too_large', `The webhook body is over ${MAX_WEBHOOK_BYTES} bytes.`);
        },
      }),
    );
    app.route(
      '/webhooks',
      webhookRoutes({
        triggers: triggerDeps(deps, triggers),
        githubSecret: triggers.githubWebhookSecret,
        gitlabSecret: triggers.gitlabWebhookSecret ?? null,
        giteaSecret: triggers.giteaWebhookSecret ?? null,
        bitbucketSecret: triggers.bitbucketWebhookSecret ?? null,
        secrets: triggers.secrets,
        now: () => deps.sessions.clock.now().getTime(),
        ...(triggers.slack ? { slack: triggers.slack } : {}),
        ...(triggers.trackers ? { trackers: triggers.trackers } : {}),
        connections: trackerConnectionsOf(store, triggers),
        log: deps.log ?? defaultLogger(),
      }),
    );
  }

  app.openapi(healthRoute, (c) => c.json({ ok: true as const, version: deps.version }, 200));

  // Before authentication, so requests it refuses are recorded too (docs/audit.md).
  app.use('/api/*', auditApi(store, log));
  app.use('/api/*', authenticate(store));
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new TooLargeError('body_too_large', `The body is over ${MAX_BODY_BYTES} bytes.`);
      },
    }),
  );

  const document = apiDocument(app, deps.version);
  app.openapi(documentRoute, (c) => c.json(document(), 200));
  app.openapi(meRoute, (c) => {
    const { id, name, role } = c.get('token');
    return c.json({ id, name, role, creator: tokenCreator(c.get('token')).id }, 200);
  });
  app.route('/api/sessions', eventRoutes(sources, deps.keepAliveMs ?? 15_000));
  app.route('/api/sessions', sessionRoutes(deps));
  app.route('/api/sessions', outcomeRoutes(deps));
  app.route('/api/sessions', treeRoutes(deps));
  app.route('/api/reviews', reviewRoutes(deps));
  app.route('/api/tokens', tokenRoutes(deps));
  app.route('/api/repos', repoRoutes(deps));
  app.route('/api/knowledge', knowledgeRoutes(deps));
  app.route('/api/playbooks', playbookRoutes(deps));
  app.route('/api/models', modelRoutes(deps));
  app.route('/api/evals', evalRoutes(deps));
  app.route('/api', analyticsRoutes(deps));
  app.route('/api/audit', auditRoutes(deps));
  app.route('/api/limits', limitRoutes(deps));
  if (deps.triggers) app.route('/api', triggerRoutes(deps, deps.triggers));
  app.route('/api/trackers/connections', trackerConnectionRoutes(deps));
  app.route('/api/trackers', trackerRoutes(deps));
  const logger = deps.log ?? defaultLogger();
  for (const mount of deps.mounts ?? []) {
    app.route(mount.path, mount.create({ ...deps, poller: sources.poller, log: logger }));
  }

  const webRoot = deps.webRoot;
  if (webRoot) {
    app.get('*', async (c, next) => {
      if (c.req.path === '/api' || c.req.path.startsWith('/api/')) return next();
      return serveWeb(c, webRoot);
    });
  }
  return app;
}

/**
 * Routes the app serves under /api and /webhooks, as OpenAPI paths (`/api/sessions/{id}`), for the
 * document's test: every one must be in /api/openapi.json.
 */
export function apiRoutes(app: OpenAPIHono<AppEnv>): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  const routes: Array<{ method: string; path: string }> = [];
  for (const route of app.routes) {
    const served = route.path.startsWith('/api/') || route.path.startsWith('/webhooks/');
    if (!served || route.path.endsWith('*') || route.method === 'ALL') continue;
    const path = route.path.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '');
    const key = `${route.method} ${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ method: route.method.toLowerCase(), path });
  }
  return routes;
}
