import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { z } from 'zod';
import { InternalError, UnavailableError } from '../core/errors.ts';
import type { Tracker } from '../core/ports/tracker.ts';
import { createJiraWebhook, createLinearWebhook, type TrackerWebhook } from '../triggers/tracker-webhook.ts';
import type { TriggerDeps } from '../triggers/trigger-deps.ts';
import { errorResponses, jsonResponse } from './api-schemas.ts';
import { type Logger, reportErrors } from './logger.ts';
import type { ServerTrackers } from './server-deps.ts';
import type { TrackerConnections } from './tracker-connections.ts';

export interface TrackerWebhookRoutesOptions {
  triggers: TriggerDeps;
  trackers?: ServerTrackers;
  /** The connection in force per tracker, read at each delivery. */
  connections: TrackerConnections;
  now: () => number;
  log: Logger;
}

// As in webhook-routes.ts: documented as plain schemas, since these bodies are verified over their raw bytes.
const signedBody = (description: string) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object' as const, description } } },
});
const deliveryResult = {
  outcome: z.string().meta({ description: 'started, follow_up, pending, ignored: <why>, failed: <why>' }),
  sessionId: z.string().nullable(),
  duplicate: z
    .boolean()
    .meta({ description: 'A replay of a delivery already acted on: nothing new was done' }),
};

const trackerRoute = (tracker: 'linear' | 'jira') =>
  createRoute({
    method: 'post',
    path: `/${tracker}`,
    summary:
      tracker === 'linear'
        ? "A Linear webhook (Issue, Comment, AgentSessionEvent), signed with the Linear connection's webhook secret"
        : "A Jira Cloud webhook (jira:issue_created, jira:issue_updated, comment_created), signed with the Jira connection's webhook secret",
    security: [],
    request: {
      headers:
        tracker === 'linear'
          ? z.object({
              'linear-signature': z
                .string()
                .optional()
                .meta({ description: 'hex HMAC-SHA256 of the raw body' }),
              'linear-delivery': z.string().optional(),
            })
          : z.object({
              'x-hub-signature': z.string().optional().meta({ description: 'sha256=<HMAC of the raw body>' }),
              'x-atlassian-webhook-identifier': z.string().optional(),
            }),
      body: signedBody(tracker === 'linear' ? "Linear's webhook payload" : "Jira's webhook payload"),
    },
    responses: {
      202: jsonResponse(z.object(deliveryResult), 'Acted on, ignored, or pending (still acting after 4 s)'),
      ...errorResponses(400, 401, 413, 503),
    },
  });

/**
 * `POST /webhooks/linear` and `POST /webhooks/jira` (docs/triggers.md), on the webhooks app. Each delivery is
 * verified with the connection in force when it arrives (the environment's, else the stored one), so a
 * tracker connected or changed through the API takes effect without a restart.
 */
export function trackerWebhookRoutes(app: OpenAPIHono<Env>, options: TrackerWebhookRoutesOptions): void {
  const trackers = options.trackers;
  const log = options.log.child({ component: 'trackers' });
  const trackerWork = (tracker: Tracker) => ({
    triggers: options.triggers,
    tracker,
    // trigger-wiring creates the notifier with the triggers' deps, before these routes.
    notifier: trackers?.notifier ?? missingNotifier(),
    log: (message: string, fields: Record<string, unknown>) => log.info(fields, message),
    onError: reportErrors(log, `a ${tracker.kind} webhook failed`),
  });
  const answerWithin =
    trackers?.answerWithinMs !== undefined ? { answerWithinMs: trackers.answerWithinMs } : {};
  // One webhook per connection object: kept while the connection is, replaced with it.
  const built = new WeakMap<object, TrackerWebhook>();
  const webhookFor = async (kind: 'linear' | 'jira'): Promise<TrackerWebhook | null> => {
    const active =
      kind === 'linear'
        ? await options.connections.active('linear')
        : await options.connections.active('jira');
    if (!active) return null;
    let webhook = built.get(active);
    if (!webhook) {
      const work = { work: trackerWork(active.tracker), secret: active.webhookSecret, ...answerWithin };
      webhook =
        'handle' in active
          ? createLinearWebhook({ ...work, handle: active.handle })
          : createJiraWebhook({ ...work, label: active.label });
      built.set(active, webhook);
    }
    return webhook;
  };
  for (const tracker of ['linear', 'jira'] as const) {
    app.openapi(trackerRoute(tracker), async (c) => {
      const webhook = await webhookFor(tracker);
      if (!webhook) {
        throw new UnavailableError(
          tracker === 'linear' ? 'linear_disabled' : 'jira_disabled',
          tracker === 'linear'
            ? 'Linear is not connected: connect it in Settings → Trackers (or drydock trackers connect linear), or set DRYDOCK_LINEAR_API_KEY and DRYDOCK_LINEAR_WEBHOOK_SECRET.'
            : 'Jira is not connected: connect it in Settings → Trackers (or drydock trackers connect jira), or set DRYDOCK_JIRA_URL, DRYDOCK_JIRA_EMAIL, DRYDOCK_JIRA_API_TOKEN and DRYDOCK_JIRA_WEBHOOK_SECRET.',
          { transient: false },
        );
      }
      const rawBody = new Uint8Array(await c.req.arrayBuffer());
      const result = await webhook.handle({
        rawBody,
        header: (name) => c.req.header(name),
        nowMs: options.now(),
      });
      return c.json(result, 202);
    });
  }
}

function missingNotifier(): never {
  throw new InternalError(
    'tracker_notifier_missing',
    'The tracker notifier is created with the triggers; wire them first.',
  );
}
