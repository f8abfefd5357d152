import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { z } from 'zod';
import { BadInputError, UnauthenticatedError, UnavailableError } from '../core/errors.ts';
import type { SecretBox } from '../environments/secret-box.ts';
import { bitbucketSignatureProblem, handleBitbucketDelivery } from '../triggers/bitbucket-webhook.ts';
import {
  giteaDeliveryHeaders,
  giteaSignatureProblem,
  handleGiteaDelivery,
} from '../triggers/gitea-webhook.ts';
import { handleGithubDelivery } from '../triggers/github-webhook.ts';
import { gitlabTokenProblem, handleGitlabDelivery } from '../triggers/gitlab-webhook.ts';
import { handleHookDelivery } from '../triggers/hook-webhook.ts';
import { verifySignature } from '../triggers/signature.ts';
import { createSlackTrigger } from '../triggers/slack-webhook.ts';
import type { TriggerDeps } from '../triggers/trigger-deps.ts';
import { errorResponses, jsonResponse } from './api-schemas.ts';
import { type Logger, reportErrors } from './logger.ts';
import { createOpenApiApp } from './openapi-app.ts';
import type { ServerSlack, ServerTrackers } from './server-deps.ts';
import type { TrackerConnections } from './tracker-connections.ts';
import { trackerWebhookRoutes } from './tracker-webhook-routes.ts';

export interface WebhookOptions {
  triggers: TriggerDeps;
  /** DRYDOCK_GITHUB_WEBHOOK_SECRET; GitHub webhooks are refused (503) without it. */
  githubSecret: string | null;
  /** DRYDOCK_GITLAB_WEBHOOK_SECRET; GitLab webhooks are refused (503) without it. */
  gitlabSecret?: string | null;
  /** DRYDOCK_GITEA_WEBHOOK_SECRET; Gitea and Forgejo webhooks are refused (503) without it. */
  giteaSecret?: string | null;
  /** DRYDOCK_BITBUCKET_WEBHOOK_SECRET; Bitbucket Cloud webhooks are refused (503) without it. */
  bitbucketSecret?: string | null;
  secrets: SecretBox;
  now: () => number;
  /** Slack's Events API; `/webhooks/slack` is refused (503) without it. */
  slack?: ServerSlack;
  /** Linear and Jira Cloud; `/webhooks/linear` and `/webhooks/jira` are refused (503) without them. */
  trackers?: ServerTrackers;
  /** Linear's and Jira's connections in force (the environment's, else the stored ones). */
  connections: TrackerConnections;
  log: Logger;
}

// The bodies are documented with plain schemas, not zod ones: a zod body would be read and validated as
// JSON before the handler, and these must be verified over their raw bytes before anything reads them.
const signedBody = (description: string) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object' as const, description } } },
});
const deliveryResult = {
  outcome: z.string().meta({ description: 'started, follow_up, ignored: <why>, failed: <why>' }),
  sessionId: z.string().nullable(),
  duplicate: z
    .boolean()
    .meta({ description: 'A replay of a delivery already acted on: nothing new was done' }),
};

const githubRoute = createRoute({
  method: 'post',
  path: '/github',
  summary:
    'A GitHub webhook (issues, comments, reviews, check runs), signed with DRYDOCK_GITHUB_WEBHOOK_SECRET',
  security: [],
  request: {
    headers: z.object({
      'x-hub-signature-256': z.string().optional().meta({ description: 'sha256=<HMAC of the raw body>' }),
      'x-github-delivery': z.string().optional(),
      'x-github-event': z.string().optional(),
    }),
    body: signedBody("GitHub's webhook payload"),
  },
  responses: {
    200: jsonResponse(z.object({ ok: z.literal(true) }), 'A ping'),
    202: jsonResponse(z.object({ delivery: z.string(), ...deliveryResult }), 'Acted on, or ignored'),
    ...errorResponses(400, 401, 413, 503),
  },
});

const gitlabRoute = createRoute({
  method: 'post',
  path: '/gitlab',
  summary:
    'A GitLab webhook (notes, issues, merge requests, pipelines) carrying DRYDOCK_GITLAB_WEBHOOK_SECRET as its secret token',
  security: [],
  request: {
    headers: z.object({
      'x-gitlab-token': z.string().optional().meta({ description: "The webhook's secret token" }),
      'x-gitlab-event': z.string().optional(),
      'x-gitlab-event-uuid': z.string().optional(),
      'idempotency-key': z.string().optional(),
    }),
    body: signedBody("GitLab's webhook payload"),
  },
  responses: {
    202: jsonResponse(
      z.object({ delivery: z.string().nullable(), ...deliveryResult }),
      'Acted on, or ignored',
    ),
    ...errorResponses(400, 401, 413, 503),
  },
});

const giteaHeaders = z.object({
  'x-gitea-signature': z.string().optional().meta({ description: 'Hex HMAC-SHA256 of the raw body' }),
  'x-gitea-event': z.string().optional(),
  'x-gitea-delivery': z.string().optional(),
  'x-forgejo-signature': z.string().optional().meta({ description: "Forgejo's name for the signature" }),
  'x-forgejo-event': z.string().optional(),
  'x-forgejo-delivery': z.string().optional(),
});
/** Gitea's and Forgejo's webhook, at either name (one server: they speak the same API). */
const giteaRoute = (path: '/gitea' | '/forgejo') =>
  createRoute({
    method: 'post',
    path,
    summary:
      'A Gitea or Forgejo webhook (issue comments, issues, pull requests, reviews, commit statuses), signed with DRYDOCK_GITEA_WEBHOOK_SECRET',
    security: [],
    request: { headers: giteaHeaders, body: signedBody("Gitea's webhook payload") },
    responses: {
      202: jsonResponse(
        z.object({ delivery: z.string().nullable(), ...deliveryResult }),
        'Acted on, or ignored',
      ),
      ...errorResponses(400, 401, 413, 503),
    },
  });

const bitbucketRoute = createRoute({
  method: 'post',
  path: '/bitbucket',
  summary:
    'A Bitbucket Cloud webhook (issue and pull request comments, merged or declined pull requests, commit statuses), signed with DRYDOCK_BITBUCKET_WEBHOOK_SECRET',
  security: [],
  request: {
    headers: z.object({
      'x-hub-signature': z.string().optional().meta({ description: 'sha256=<HMAC of the raw body>' }),
      'x-event-key': z.string().optional(),
      'x-request-uuid': z.string().optional(),
    }),
    body: signedBody("Bitbucket Cloud's webhook payload"),
  },
  responses: {
    202: jsonResponse(
      z.object({ delivery: z.string().nullable(), ...deliveryResult }),
      'Acted on, or ignored',
    ),
    ...errorResponses(400, 401, 413, 503),
  },
});

const slackRoute = createRoute({
  method: 'post',
  path: '/slack',
  summary: "Slack's Events API, signed with DRYDOCK_SLACK_SIGNING_SECRET",
  security: [],
  request: {
    headers: z.object({
      'x-slack-signature': z.string().optional(),
      'x-slack-request-timestamp': z.string().optional(),
    }),
    body: signedBody('A Slack Events API request'),
  },
  responses: {
    200: jsonResponse(
      z.record(z.string(), z.unknown()).meta({
        description:
          '{ challenge } for url_verification; else { ok, outcome, sessionId, duplicate } (outcome pending when still acting after 2.5 s)',
      }),
      'Answered',
    ),
    ...errorResponses(400, 401, 413, 503),
  },
});

const hookRoute = createRoute({
  method: 'post',
  path: '/{name}',
  summary: 'A signed webhook of a configured hook (POST /api/hooks)',
  security: [],
  request: {
    params: z.object({ name: z.string() }),
    headers: z.object({
      'x-drydock-signature': z.string().optional().meta({ description: 'scheme hmac' }),
      'x-drydock-timestamp': z.string().optional().meta({ description: 'scheme hmac' }),
      'sentry-hook-signature': z.string().optional().meta({ description: 'scheme sentry' }),
    }),
    body: signedBody("The sender's payload; the hook's template reads it"),
  },
  responses: {
    202: jsonResponse(z.object(deliveryResult), 'Acted on, or ignored'),
    ...errorResponses(400, 401, 404, 413),
  },
});

/**
 * `/webhooks/*`: no bearer token; each request proves itself with an HMAC of its raw body instead, checked
 * before the body is parsed or anything is written.
 */
export function webhookRoutes(options: WebhookOptions): OpenAPIHono<Env> {
  const app = createOpenApiApp<Env>();

  app.openapi(githubRoute, async (c) => {
    if (!options.githubSecret) {
      throw new UnavailableError(
        'github_webhooks_disabled',
        'Set DRYDOCK_GITHUB_WEBHOOK_SECRET to accept GitHub webhooks.',
        {
          transient: false,
        },
      );
    }
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const problem = verifySignature({
      secret: options.githubSecret,
      rawBody,
      signature: c.req.header('x-hub-signature-256'),
      prefix: 'sha256=',
    });
    if (problem) throw new UnauthenticatedError(problem, `The GitHub signature did not verify (${problem}).`);
    const id = c.req.header('x-github-delivery');
    const event = c.req.header('x-github-event');
    if (!id || !event)
      throw new BadInputError('missing_delivery', 'X-GitHub-Delivery and X-GitHub-Event are required.');
    if (event === 'ping') return c.json({ ok: true as const }, 200);
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(rawBody).toString('utf8'));
    } catch (error) {
      throw new BadInputError('invalid_json', 'The webhook body is not JSON.', { cause: error });
    }
    const result = await handleGithubDelivery(options.triggers, { id, event, payload, rawBody });
    return c.json({ delivery: id, ...result }, 202);
  });

  app.openapi(gitlabRoute, async (c) => {
    if (!options.gitlabSecret) {
      throw new UnavailableError(
        'gitlab_webhooks_disabled',
        'Set DRYDOCK_GITLAB_WEBHOOK_SECRET to accept GitLab webhooks.',
        { transient: false },
      );
    }
    const problem = gitlabTokenProblem(options.gitlabSecret, c.req.header('x-gitlab-token'));
    if (problem) throw new UnauthenticatedError(problem, 'The X-Gitlab-Token is not the webhook secret.');
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const event = c.req.header('x-gitlab-event');
    if (!event) throw new BadInputError('missing_delivery', 'X-Gitlab-Event is required.');
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(rawBody).toString('utf8'));
    } catch (error) {
      throw new BadInputError('invalid_json', 'The webhook body is not JSON.', { cause: error });
    }
    const uuid = c.req.header('x-gitlab-event-uuid');
    const result = await handleGitlabDelivery(options.triggers, {
      event,
      uuid,
      idempotencyKey: c.req.header('idempotency-key'),
      payload,
      rawBody,
    });
    return c.json({ delivery: uuid ?? null, ...result }, 202);
  });

  for (const path of ['/gitea', '/forgejo'] as const) {
    app.openapi(giteaRoute(path), async (c) => {
      if (!options.giteaSecret) {
        throw new UnavailableError(
          'gitea_webhooks_disabled',
          'Set DRYDOCK_GITEA_WEBHOOK_SECRET to accept Gitea and Forgejo webhooks.',
          { transient: false },
        );
      }
      const rawBody = new Uint8Array(await c.req.arrayBuffer());
      const header = (name: string) => c.req.header(name);
      const problem = giteaSignatureProblem(options.giteaSecret, rawBody, header);
      if (problem)
        throw new UnauthenticatedError(problem, `The Gitea signature did not verify (${problem}).`);
      const { event, id } = giteaDeliveryHeaders(header);
      if (!event)
        throw new BadInputError('missing_delivery', 'X-Gitea-Event (or X-Forgejo-Event) is required.');
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.from(rawBody).toString('utf8'));
      } catch (error) {
        throw new BadInputError('invalid_json', 'The webhook body is not JSON.', { cause: error });
      }
      const result = await handleGiteaDelivery(options.triggers, { event, id, payload, rawBody });
      return c.json({ delivery: id ?? null, ...result }, 202);
    });
  }

  app.openapi(bitbucketRoute, async (c) => {
    if (!options.bitbucketSecret) {
      throw new UnavailableError(
        'bitbucket_webhooks_disabled',
        'Set DRYDOCK_BITBUCKET_WEBHOOK_SECRET (and the same secret on the Bitbucket webhook) to accept Bitbucket webhooks.',
        { transient: false },
      );
    }
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const problem = bitbucketSignatureProblem(
      options.bitbucketSecret,
      rawBody,
      c.req.header('x-hub-signature'),
    );
    if (problem)
      throw new UnauthenticatedError(problem, `The Bitbucket signature did not verify (${problem}).`);
    const event = c.req.header('x-event-key');
    if (!event) throw new BadInputError('missing_delivery', 'X-Event-Key is required.');
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(rawBody).toString('utf8'));
    } catch (error) {
      throw new BadInputError('invalid_json', 'The webhook body is not JSON.', { cause: error });
    }
    const id = c.req.header('x-request-uuid');
    const result = await handleBitbucketDelivery(options.triggers, { event, id, payload, rawBody });
    return c.json({ delivery: id ?? null, ...result }, 202);
  });

  const slack = options.slack;
  const slackTrigger = slack?.notifier
    ? createSlackTrigger({
        triggers: options.triggers,
        client: slack.client,
        notifier: slack.notifier,
        signingSecret: slack.signingSecret,
        onError: reportErrors(options.log.child({ component: 'slack' }), 'handling a Slack event failed'),
        ...(slack.answerWithinMs !== undefined ? { answerWithinMs: slack.answerWithinMs } : {}),
      })
    : null;
  app.openapi(slackRoute, async (c) => {
    if (!slackTrigger) {
      throw new UnavailableError(
        'slack_disabled',
        'Set DRYDOCK_SLACK_SIGNING_SECRET and DRYDOCK_SLACK_BOT_TOKEN to accept Slack events.',
        { transient: false },
      );
    }
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const answer = await slackTrigger.handle({
      rawBody,
      header: (name) => c.req.header(name),
      nowMs: options.now(),
    });
    return c.json(answer, 200);
  });

  // Before `/{name}`, which would otherwise take these paths.
  trackerWebhookRoutes(app, options);

  app.openapi(hookRoute, async (c) => {
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const result = await handleHookDelivery(options.triggers, options.secrets, {
      name: c.req.valid('param').name,
      rawBody,
      header: (name) => c.req.header(name),
      nowMs: options.now(),
    });
    return c.json(result, 202);
  });

  return app;
}
