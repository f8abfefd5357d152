import { Hono } from 'hono';
import { BadInputError, UnauthenticatedError, UnavailableError } from '../core/errors.ts';
import type { SecretBox } from '../environments/secret-box.ts';
import { handleGithubDelivery } from '../triggers/github-webhook.ts';
import { handleHookDelivery } from '../triggers/hook-webhook.ts';
import { verifySignature } from '../triggers/signature.ts';
import { createSlackTrigger } from '../triggers/slack-webhook.ts';
import type { TriggerDeps } from '../triggers/trigger-deps.ts';
import type { ServerSlack } from './server-deps.ts';

export interface WebhookOptions {
  triggers: TriggerDeps;
  /** DRYDOCK_GITHUB_WEBHOOK_SECRET; GitHub webhooks are refused (503) without it. */
  githubSecret: string | null;
  secrets: SecretBox;
  now: () => number;
  /** Slack's Events API; `/webhooks/slack` is refused (503) without it. */
  slack?: ServerSlack;
}

/**
 * `/webhooks/*`: no bearer token; each request proves itself with an HMAC of its raw body instead, checked
 * before the body is parsed or anything is written.
 */
export function webhookRoutes(options: WebhookOptions): Hono {
  const app = new Hono();

  app.post('/github', async (c) => {
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
    if (event === 'ping') return c.json({ ok: true });
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(rawBody).toString('utf8'));
    } catch (error) {
      throw new BadInputError('invalid_json', 'The webhook body is not JSON.', { cause: error });
    }
    const result = await handleGithubDelivery(options.triggers, { id, event, payload, rawBody });
    return c.json({ delivery: id, ...result }, 202);
  });

  const slack = options.slack;
  const slackTrigger = slack?.notifier
    ? createSlackTrigger({
        triggers: options.triggers,
        client: slack.client,
        notifier: slack.notifier,
        signingSecret: slack.signingSecret,
        onError: (error) => console.error('drydock Slack:', error),
        ...(slack.answerWithinMs !== undefined ? { answerWithinMs: slack.answerWithinMs } : {}),
      })
    : null;
  app.post('/slack', async (c) => {
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
    return c.json(answer);
  });

  app.post('/:name', async (c) => {
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const result = await handleHookDelivery(options.triggers, options.secrets, {
      name: c.req.param('name'),
      rawBody,
      header: (name) => c.req.header(name),
      nowMs: options.now(),
    });
    return c.json(result, 202);
  });

  return app;
}
