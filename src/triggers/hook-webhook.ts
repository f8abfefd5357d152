import { BadInputError, describeError, NotFoundError, UnauthenticatedError } from '../core/errors.ts';
import type { SecretBox } from '../environments/secret-box.ts';
import { claimDeliveryKeys, signedDeliveryKey } from './claim-delivery-keys.ts';
import { HookConfig } from './hook-config.ts';
import { recordDelivery } from './record-delivery.ts';
import { signedContent, verifySignature } from './signature.ts';
import { startWork } from './start-work.ts';
import { renderTemplate } from './template.ts';
import type { TriggerDeps } from './trigger-deps.ts';

export interface HookRequest {
  name: string;
  rawBody: Uint8Array;
  header(name: string): string | undefined;
  nowMs: number;
}

/**
 * A signed webhook for a configured hook: verified (HMAC, timestamp window) before anything is read,
 * idempotent by what its signature covers (`<timestamp>.<body>` for hmac, the body for Sentry, which
 * does not sign its timestamp) and by its idempotency key (`Idempotency-Key`, Sentry's `Request-ID`;
 * without one, the body's hash), then a session on the hook's repository with the task its template makes of the payload. A replay
 * of a signed request is a duplicate whatever unsigned headers it changes.
 */
export async function handleHookDelivery(
  deps: TriggerDeps,
  box: SecretBox,
  request: HookRequest,
): Promise<{ sessionId: string | null; outcome: string; duplicate: boolean }> {
  const { store } = deps.sessions;
  const record = await store.findTrigger('hook', request.name);
  if (!record?.secret) throw new NotFoundError('hook_not_found', `No webhook named ${request.name}.`);
  const config = HookConfig.parse(record.config);
  const sentry = config.scheme === 'sentry';
  const timestamp = request.header(sentry ? 'sentry-hook-timestamp' : 'x-drydock-timestamp');
  const timestampMode = sentry ? 'unsigned' : 'signed';
  const problem = verifySignature({
    secret: box.open(record.secret),
    rawBody: request.rawBody,
    signature: request.header(sentry ? 'sentry-hook-signature' : 'x-drydock-signature'),
    prefix: sentry ? '' : 'sha256=',
    timestamp,
    timestampMode,
    nowMs: request.nowMs,
  });
  if (problem) {
    throw new UnauthenticatedError(
      problem,
      problem === 'missing_timestamp'
        ? `The webhook carries no ${sentry ? 'Sentry-Hook-Timestamp' : 'X-Drydock-Timestamp'} (seconds since the epoch); drydock refuses deliveries without one.`
        : `The webhook's signature did not verify (${problem}).`,
    );
  }
  const source = `hook:${request.name}`;
  const unsigned = request.header(sentry ? 'request-id' : 'idempotency-key');
  const audit = (result: { sessionId: string | null; outcome: string; duplicate: boolean }) =>
    recordDelivery(store, { source, deliveryId: unsigned ?? null, ...result });
  if (config.paused) {
    const paused = { sessionId: null, outcome: 'ignored: the hook is paused', duplicate: false };
    await audit(paused);
    return paused;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(request.rawBody).toString('utf8'));
  } catch (error) {
    throw new BadInputError('invalid_json', 'The webhook body is not JSON.', { cause: error });
  }
  const claim = await claimDeliveryKeys(store, source, [
    signedDeliveryKey(signedContent(request.rawBody, timestamp, timestampMode)),
    // Without a key of its own, a body is one delivery however often it is signed (a sender's retry).
    unsigned ?? signedDeliveryKey(request.rawBody),
  ]);
  if (!claim.claimed) {
    const duplicate = {
      sessionId: claim.delivery.sessionId,
      outcome: claim.delivery.outcome,
      duplicate: true,
    };
    await audit(duplicate);
    return duplicate;
  }
  const task = renderTemplate(config.template, payload).trim();
  let session: Awaited<ReturnType<typeof startWork>>;
  try {
    session = await startWork(deps, {
      repo: config.repo,
      task,
      requester: source,
      createdBy: { id: source, name: source },
      ...(config.model ? { model: config.model } : {}),
    });
  } catch (error) {
    const failed = { sessionId: null, outcome: `failed: ${describeError(error)}` };
    await claim.finish(failed);
    await audit({ ...failed, duplicate: false });
    throw error;
  }
  const outcome = session.state === 'failed' ? `failed: ${session.reason}` : 'started';
  await claim.finish({ sessionId: session.id, outcome });
  await audit({ sessionId: session.id, outcome, duplicate: false });
  return { sessionId: session.id, outcome, duplicate: false };
}
