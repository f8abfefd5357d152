import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { z } from 'zod';
import { InternalError, UnavailableError } from '../core/errors.ts';
import { createJiraWebhook, createLinearWebhook, type TrackerWebhook } from '../triggers/tracker-webhook.ts';
import type { TriggerDeps } from '../triggers/trigger-deps.ts';
import { errorResponses, jsonResponse } from './api-schemas.ts';
import { type Logger, reportErrors } from './logger.ts';
import type { ServerTrackers } from './server-deps.ts';

export interface TrackerWebhookRoutesOptions {
  triggers: TriggerDeps;
  trackers?: ServerTrackers;
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
        ? 'A Linear webhook (Issue, Comment, AgentSessionEvent), signed with DRYDOCK_LINEAR_WEBHOOK_SECRET'
        : 'A Jira Cloud webhook (jira:issue_created, jira:issue_updated, comment_created), signed with DRYDOCK_JIRA_WEBHOOK_SECRET',
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

/** `POST /webhooks/linear` and `POST /webhooks/jira` (docs/triggers.md), on the webhooks app. */
export function trackerWebhookRoutes(app: OpenAPIHono<Env>, options: TrackerWebhookRoutesOptions): void {
  const trackers = options.trackers;
  const trackerWork = (
    tracker: NonNullable<ServerTrackers['linear'] | ServerTrackers['jira']>['tracker'],
  ) => {
    const log = options.log.child({ component: 'trackers' });
    return {
      triggers: options.triggers,
      tracker,
      // trigger-wiring creates the notifier with the triggers' deps, before these routes.
      notifier: trackers?.notifier ?? missingNotifier(),
      log: (message: string, fields: Record<string, unknown>) => log.info(fields, message),
      onError: reportErrors(log, `a ${tracker.kind} webhook failed`),
    };
  };
  const answerWithin =
    trackers?.answerWithinMs !== undefined ? { answerWithinMs: trackers.answerWithinMs } : {};
  const webhooks: Record<'linear' | 'jira', TrackerWebhook | null> = {
    linear: trackers?.linear
      ? createLinearWebhook({
          work: trackerWork(trackers.linear.tracker),
          secret: trackers.linear.webhookSecret,
          handle: trackers.linear.handle,
          ...answerWithin,
        })
      : null,
    jira: trackers?.jira
      ? createJiraWebhook({
          work: trackerWork(trackers.jira.tracker),
          secret: trackers.jira.webhookSecret,
          label: trackers.jira.label,
          ...answerWithin,
        })
      : null,
  };
  for (const tracker of ['linear', 'jira'] as const) {
    app.openapi(trackerRoute(tracker), async (c) => {
      const webhook = webhooks[tracker];
      if (!webhook) {
        throw new UnavailableError(
          tracker === 'linear' ? 'linear_disabled' : 'jira_disabled',
          tracker === 'linear'
            ? 'Set DRYDOCK_LINEAR_API_KEY and DRYDOCK_LINEAR_WEBHOOK_SECRET to accept Linear webhooks.'
            : 'Set DRYDOCK_JIRA_URL, DRYDOCK_JIRA_EMAIL, DRYDOCK_JIRA_API_TOKEN and DRYDOCK_JIRA_WEBHOOK_SECRET to accept Jira webhooks.',
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
