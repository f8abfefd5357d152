import type { z } from 'zod';
import { BadInputError, describeError, UnauthenticatedError, UnavailableError } from '../core/errors.ts';
import type { TrackerUser } from '../core/ports/tracker.ts';
import { claimDeliveryKeys, signedDeliveryKey } from './claim-delivery-keys.ts';
import { decideJiraEvent, JiraPayload } from './jira-events.ts';
import { decideLinearEvent, LinearPayload } from './linear-events.ts';
import { recordDelivery } from './record-delivery.ts';
import { type SignatureProblem, verifySignature } from './signature.ts';
import type { TrackerDecision } from './tracker-events.ts';
import { actOnTrackerRequest, type TrackerResult, type TrackerWorkDeps } from './tracker-work.ts';

export interface TrackerWebhookRequest {
  rawBody: Uint8Array;
  header(name: string): string | undefined;
  nowMs: number;
}

export interface TrackerDeliveryResult extends TrackerResult {
  duplicate: boolean;
}

export interface TrackerWebhook {
  /** Verifies, deduplicates and acts on one delivery; what to answer with (202). */
  handle(request: TrackerWebhookRequest): Promise<TrackerDeliveryResult>;
}

export interface TrackerWebhookOptions {
  work: TrackerWorkDeps;
  /** The webhook's signing secret (DRYDOCK_LINEAR_WEBHOOK_SECRET, DRYDOCK_JIRA_WEBHOOK_SECRET). */
  secret: string;
  /** Work still going on after this long is answered `pending` and goes on (its delivery records the outcome); default 4 s. */
  answerWithinMs?: number;
}

/** How far Linear's `webhookTimestamp` may be from now (Linear's own recommendation: a minute). */
export const LINEAR_TIMESTAMP_TOLERANCE_MS = 60_000;

interface Scheme<P> {
  source: 'linear' | 'jira';
  schema: z.ZodType<P>;
  verify(request: TrackerWebhookRequest, secret: string): SignatureProblem;
  /** A problem with the payload's own time, or null. */
  checkTime(payload: P, nowMs: number): SignatureProblem;
  /** The sender's delivery id header (unsigned: it can only make a delivery a duplicate). */
  deliveryHeader: string;
  decide(payload: P, self: TrackerUser): TrackerDecision;
}

function createTrackerWebhook<P>(scheme: Scheme<P>, options: TrackerWebhookOptions): TrackerWebhook {
  const name = scheme.source === 'linear' ? 'Linear' : 'Jira';
  return {
    async handle(request) {
      const problem = scheme.verify(request, options.secret);
      if (problem)
        throw new UnauthenticatedError(problem, `The ${name} webhook signature did not verify (${problem}).`);
      let payload: P;
      try {
        payload = scheme.schema.parse(JSON.parse(Buffer.from(request.rawBody).toString('utf8')));
      } catch (error) {
        throw new BadInputError(
          scheme.source === 'linear' ? 'invalid_linear_body' : 'invalid_jira_body',
          `The ${name} webhook body is not a ${name} webhook payload.`,
          { cause: error },
        );
      }
      const stale = scheme.checkTime(payload, request.nowMs);
      if (stale)
        throw new UnauthenticatedError(stale, `The ${name} webhook is too old to act on (${stale}).`);
      // Before claiming: credentials the tracker refuses fail the delivery, and the sender's retry may find them fixed.
      const self = await options.work.tracker.self().catch((error: unknown) => {
        throw new UnavailableError(
          'tracker_unavailable',
          `drydock cannot identify its ${name} user (${describeError(error)}); check its ${name} credentials (docs/triggers.md).`,
          { cause: error },
        );
      });
      const delivery = request.header(scheme.deliveryHeader);
      const claim = await claimDeliveryKeys(options.work.triggers.sessions.store, scheme.source, [
        signedDeliveryKey(request.rawBody),
        ...(delivery ? [`delivery:${delivery}`] : []),
      ]);
      const store = options.work.triggers.sessions.store;
      const audit = (result: TrackerResult, duplicate = false) =>
        recordDelivery(store, { source: scheme.source, deliveryId: delivery ?? null, ...result, duplicate });
      if (!claim.claimed) {
        const { outcome, sessionId } = claim.delivery;
        await audit({ outcome, sessionId }, true);
        return { outcome, sessionId, duplicate: true };
      }
      const work = (async (): Promise<TrackerResult> => {
        try {
          const result = await actOnTrackerRequest(options.work, scheme.decide(payload, self));
          await claim.finish(result);
          await audit(result);
          return result;
        } catch (error) {
          const failed = { sessionId: null, outcome: `failed: ${describeError(error)}` };
          await claim.finish(failed);
          await audit(failed);
          throw error;
        }
      })();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), options.answerWithinMs ?? 4000);
      });
      try {
        const result = await Promise.race([work, deadline]);
        if (result === null) {
          work.catch((error: unknown) => options.work.onError?.(error));
          return { outcome: 'pending', sessionId: null, duplicate: false };
        }
        return { ...result, duplicate: false };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Linear's webhooks (`POST /webhooks/linear`): `Linear-Signature` is the hex HMAC-SHA256 of the raw body with
 * the webhook's secret, `webhookTimestamp` (in the signed body) must be within a minute, and a delivery is
 * acted on once (by its signed body, and by `Linear-Delivery`).
 */
export function createLinearWebhook(options: TrackerWebhookOptions & { handle: string }): TrackerWebhook {
  return createTrackerWebhook<LinearPayload>(
    {
      source: 'linear',
      schema: LinearPayload,
      verify: (request, secret) =>
        verifySignature({ secret, rawBody: request.rawBody, signature: request.header('linear-signature') }),
      checkTime: (payload, nowMs) =>
        Math.abs(nowMs - payload.webhookTimestamp) > LINEAR_TIMESTAMP_TOLERANCE_MS ? 'stale_timestamp' : null,
      deliveryHeader: 'linear-delivery',
      decide: (payload, self) => decideLinearEvent(payload, { selfId: self.id, handle: options.handle }),
    },
    options,
  );
}

/**
 * Jira Cloud's admin webhooks with a secret (`POST /webhooks/jira`): `X-Hub-Signature: sha256=<hex HMAC of the
 * raw body>`, acted on once (by the signed body, and by `X-Atlassian-Webhook-Identifier`, which Jira keeps
 * across its retries).
 */
export function createJiraWebhook(options: TrackerWebhookOptions & { label: string }): TrackerWebhook {
  return createTrackerWebhook<JiraPayload>(
    {
      source: 'jira',
      schema: JiraPayload,
      verify: (request, secret) =>
        verifySignature({
          secret,
          rawBody: request.rawBody,
          signature: request.header('x-hub-signature'),
          prefix: 'sha256=',
        }),
      checkTime: () => null,
      deliveryHeader: 'x-atlassian-webhook-identifier',
      decide: (payload, self) => decideJiraEvent(payload, { selfId: self.id, label: options.label }),
    },
    options,
  );
}
