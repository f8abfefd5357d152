import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { NotFoundError, TooLargeError } from '../core/errors.ts';
import { authenticate } from './auth.ts';
import { errorResponse } from './error-response.ts';
import { streamEvents } from './events-route.ts';
import { openApiDocument } from './openapi.ts';
import { repoRoutes } from './repo-routes.ts';
import type { AppEnv, ServerDeps } from './server-deps.ts';
import { tokenCreator } from './session-access.ts';
import { sessionRoutes } from './session-routes.ts';
import { serveWeb } from './static-web.ts';
import { createStorePoller } from './store-poller.ts';
import { tokenRoutes } from './token-routes.ts';
import { triggerRoutes } from './trigger-routes.ts';
import { triggerDeps } from './trigger-wiring.ts';
import { webhookRoutes } from './webhook-routes.ts';

export const MAX_BODY_BYTES = 1024 * 1024;
/** GitHub caps payloads at 25 MB; ones drydock acts on are far smaller. */
export const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

/** The control plane's HTTP app (docs/api.md): the API under /api, the web UI at / when built. */
export function createApp(deps: ServerDeps): Hono<AppEnv> {
  const { store } = deps.sessions;
  const sources = {
    store,
    bus: deps.bus,
    poller: deps.poller ?? createStorePoller(store, deps.bus, deps.eventPollMs ?? 1000),
  };
  const app = new Hono<AppEnv>();

  app.onError((error, c) => {
    const { status, body } = errorResponse(error);
    if (status === 500) console.error(error);
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
        secrets: triggers.secrets,
        now: () => deps.sessions.clock.now().getTime(),
        ...(triggers.slack ? { slack: triggers.slack } : {}),
      }),
    );
  }

  app.get('/api/health', (c) => c.json({ ok: true, version: deps.version }));

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

  app.get('/api/openapi.json', (c) => c.json(openApiDocument(deps.version)));
  app.get('/api/me', (c) => {
    const { id, name, role } = c.get('token');
    return c.json({ id, name, role, creator: tokenCreator(c.get('token')).id });
  });
  app.get('/api/sessions/:id/events', (c) => streamEvents(c, sources, deps.keepAliveMs ?? 15_000));
  app.route('/api/sessions', sessionRoutes(deps));
  app.route('/api/tokens', tokenRoutes(deps));
  app.route('/api/repos', repoRoutes(deps));
  if (deps.triggers) app.route('/api', triggerRoutes(deps, deps.triggers));

  const webRoot = deps.webRoot;
  if (webRoot) {
    app.get('*', async (c, next) => {
      if (c.req.path === '/api' || c.req.path.startsWith('/api/')) return next();
      return serveWeb(c, webRoot);
    });
  }
  return app;
}

/** Routes the app serves, as OpenAPI paths (`/api/sessions/{id}`), for the document's test. */
export function apiRoutes(app: Hono<AppEnv>): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  const routes: Array<{ method: string; path: string }> = [];
  for (const route of app.routes) {
    if (!route.path.startsWith('/api/') || route.path.endsWith('*') || route.method === 'ALL') continue;
    const path = route.path.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '');
    const key = `${route.method} ${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ method: route.method.toLowerCase(), path });
  }
  return routes;
}
