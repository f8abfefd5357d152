import { App, LogLevel, type Receiver } from '@slack/bolt';
import { z } from 'zod';
import {
  BadInputError,
  ConflictError,
  describeError,
  UnauthenticatedError,
  UnavailableError,
} from '../core/errors.ts';
import { parsePlaybookCall } from '../core/playbook.ts';
import type { JsonValue } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import { sendMessage } from '../sessions/follow-ups.ts';
import { spendContext } from '../sessions/spend-limits.ts';
import { recordDelivery } from './record-delivery.ts';
import { ANY_CHANNEL, SlackChannelConfig } from './slack-channel-config.ts';
import type { SlackClient } from './slack-client.ts';
import {
  decideSlackEvent,
  parseSlackRequest,
  type SlackDecision,
  type SlackLinkData,
  slackThreadKey,
  slackToPlainText,
} from './slack-events.ts';
import type { SlackNotifier } from './slack-notifier.ts';
import { verifySlackSignature } from './slack-signature.ts';
import { isForgeRepo, startWork } from './start-work.ts';
import { sessionUrl, type TriggerDeps } from './trigger-deps.ts';

/** `@drydock acme/app dep-bump package=lodash`: that playbook if the repository has one, else the task. */
function playbookOf(task: string): {
  playbook?: { name: string; inputs: Record<string, string>; orTask: true };
} {
  const call = parsePlaybookCall(task);
  return call ? { playbook: { ...call, orTask: true } } : {};
}

export interface SlackTriggerDeps {
  triggers: TriggerDeps;
  client: SlackClient;
  notifier: SlackNotifier;
  /** DRYDOCK_SLACK_SIGNING_SECRET. */
  signingSecret: string;
  /**
   * A reply in a thread failed (replies are best effort: the session and its outcome stand), or work that
   * went on after the answer failed.
   */
  onError?: (error: unknown) => void;
  /** How long a request may act before it is answered `pending` and acts on after the answer; default 2.5 s. */
  answerWithinMs?: number;
}

export interface SlackRequest {
  rawBody: Uint8Array;
  header(name: string): string | undefined;
  nowMs: number;
}

export interface SlackDeliveryResult {
  /** `started`, `follow_up`, `ignored: <why>`, `failed: <why>`. */
  outcome: string;
  sessionId: string | null;
  duplicate: boolean;
}

export interface SlackTrigger {
  /** Verifies, deduplicates and acts on one request to `POST /webhooks/slack`; the JSON to answer with. */
  handle(request: SlackRequest): Promise<Record<string, unknown>>;
  /** The bolt app the events go through (tests hand it events directly with `processEvent`). */
  readonly app: App;
}

const Envelope = z.object({
  type: z.string(),
  challenge: z.string().optional(),
  event_id: z.string().optional(),
  event: z.unknown().optional(),
});

/** What a listener hands back to `handle` through bolt's context. */
interface Sink {
  result?: Omit<SlackDeliveryResult, 'duplicate'>;
  error?: unknown;
}

/**
 * Slack's Events API through an offline bolt `App`: `handle` verifies the request signature (v0 HMAC, a
 * 5-minute window) before reading the body, answers `url_verification`, claims the event id as a delivery
 * (Slack retries a slow answer with the same id; the retry gets the first answer), then hands the event to
 * bolt's `processEvent`, whose listeners start sessions and follow-ups. bolt's own receiver is not used: the
 * route is drydock's, so one port, one body limit and one error mapping serve every webhook.
 */
export function createSlackTrigger(deps: SlackTriggerDeps): SlackTrigger {
  const receiver: Receiver = { init: () => {}, start: async () => {}, stop: async () => {} };
  const app = new App({
    receiver,
    authorize: async () => {
      const identity = await deps.client.identity();
      return { botUserId: identity.userId, ...(identity.botId ? { botId: identity.botId } : {}) };
    },
    // drydock decides about bots and itself (decideSlackEvent), so every event gets a recorded outcome.
    ignoreSelf: false,
    convoStore: false,
    extendedErrorHandler: true,
    logLevel: LogLevel.ERROR,
  });
  // The last overload's type: the extended handler, which sees the event's context and so its sink.
  const onError: Parameters<App['error']>[0] = async ({ error, context }) => {
    const sink = context.drydock as Sink | undefined;
    if (sink) sink.error = error.original ?? error;
  };
  app.error(onError);
  for (const type of ['app_mention', 'message'] as const) {
    app.event(type, async ({ event, context }) => {
      const sink = context.drydock as Sink;
      const botUserId = typeof context.botUserId === 'string' ? context.botUserId : null;
      sink.result = await act(deps, decideSlackEvent(event, botUserId));
    });
  }

  return {
    app,
    async handle(request) {
      const problem = verifySlackSignature({
        signingSecret: deps.signingSecret,
        rawBody: request.rawBody,
        signature: request.header('x-slack-signature'),
        timestamp: request.header('x-slack-request-timestamp'),
        nowMs: request.nowMs,
      });
      if (problem) {
        throw new UnauthenticatedError(problem, `The Slack request signature did not verify (${problem}).`);
      }
      if (request.header('content-type')?.startsWith('application/x-www-form-urlencoded')) {
        return { ok: true, outcome: 'ignored: drydock takes events, not commands or interactions' };
      }
      let envelope: z.infer<typeof Envelope>;
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.from(request.rawBody).toString('utf8')) as Record<string, unknown>;
        envelope = Envelope.parse(body);
      } catch (error) {
        throw new BadInputError(
          'invalid_slack_body',
          'The Slack request body is not an Events API envelope.',
          {
            cause: error,
          },
        );
      }
      if (envelope.type === 'url_verification') return { challenge: envelope.challenge ?? '' };
      if (envelope.type !== 'event_callback') return { ok: true, outcome: `ignored: ${envelope.type}` };
      if (!envelope.event_id) {
        throw new BadInputError('missing_event_id', 'A Slack event_callback must carry an event_id.');
      }
      // Before claiming: a bot token Slack refuses fails the request, and Slack's retry may find it fixed.
      await deps.client.identity().catch((error: unknown) => {
        throw new UnavailableError(
          'slack_unavailable',
          `drydock cannot identify its Slack bot (auth.test: ${describeError(error)}). Check DRYDOCK_SLACK_BOT_TOKEN and DRYDOCK_SLACK_API_URL.`,
          { cause: error },
        );
      });
      const { store } = deps.triggers.sessions;
      const claim = await store.claimDelivery('slack', envelope.event_id);
      const eventId = envelope.event_id;
      const audit = (result: { outcome: string; sessionId: string | null; duplicate: boolean }) =>
        recordDelivery(store, { source: 'slack', deliveryId: eventId, ...slackSender(body), ...result });
      if (!claim.claimed) {
        const { outcome, sessionId } = claim.delivery;
        await audit({ outcome, sessionId, duplicate: true });
        return { ok: true, outcome, sessionId, duplicate: true };
      }
      const retry = Number(request.header('x-slack-retry-num'));
      const retryReason = request.header('x-slack-retry-reason');
      const work = (async (): Promise<Omit<SlackDeliveryResult, 'duplicate'>> => {
        const sink: Sink = {};
        try {
          await app.processEvent({
            body,
            ack: async () => {},
            ...(Number.isInteger(retry) ? { retryNum: retry } : {}),
            ...(retryReason ? { retryReason } : {}),
            customProperties: { drydock: sink },
          });
        } catch (error) {
          sink.error ??= error;
        }
        if (sink.error !== undefined) {
          const outcome = `failed: ${describeError(sink.error)}`;
          await store.finishDelivery('slack', eventId, { sessionId: null, outcome });
          await audit({ outcome, sessionId: null, duplicate: false });
          throw sink.error;
        }
        const result = sink.result ?? {
          outcome: 'ignored: not an event drydock listens to',
          sessionId: null,
        };
        await store.finishDelivery('slack', eventId, result);
        await audit({ ...result, duplicate: false });
        return result;
      })();
      // Slack wants an answer within 3 seconds and retries otherwise: past the deadline, answer `pending` and
      // let the work finish (its delivery records the outcome; retries meanwhile are answered as duplicates).
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), deps.answerWithinMs ?? 2500);
      });
      try {
        const result = await Promise.race([work, deadline]);
        if (result === null) {
          work.catch((error: unknown) => deps.onError?.(error));
          return { ok: true, outcome: 'pending', sessionId: null, duplicate: false };
        }
        return { ok: true, ...result, duplicate: false };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function act(
  deps: SlackTriggerDeps,
  decision: SlackDecision,
): Promise<Omit<SlackDeliveryResult, 'duplicate'>> {
  if (decision.action === 'ignore') return { outcome: `ignored: ${decision.reason}`, sessionId: null };
  const { store } = deps.triggers.sessions;
  const key = slackThreadKey(decision.channel, decision.thread);
  const reply = (text: string) =>
    deps.client
      .post(decision.channel, decision.thread, text)
      .catch((error: unknown) => deps.onError?.(error));
  const link = await store.findLink(key);
  if (link) return followUp(deps, decision, link.sessionId, reply);
  if (decision.action === 'reply') return { outcome: 'ignored: not a drydock thread', sessionId: null };

  const request = parseSlackRequest(decision.text);
  if (request.task === '') {
    await reply('Tell drydock what to do, e.g. `@drydock acme/app fix the failing test`.');
    return { outcome: 'ignored: empty request', sessionId: null };
  }
  if (request.repo !== null && !isForgeRepo(request.repo)) {
    await reply(
      `\`${request.repo}\` is not a repository drydock can name from Slack: use \`owner/name\`. Local paths are set as a channel's default in drydock's settings.`,
    );
    return { outcome: 'ignored: not an owner/name repository', sessionId: null };
  }
  const defaults = await channelDefaults(deps, decision.channel);
  if (defaults?.paused) {
    await reply('drydock is paused in this channel; an admin can resume it in drydock’s settings.');
    return { outcome: 'ignored: the channel is paused', sessionId: null };
  }
  const repo = request.repo ?? defaults?.repo ?? null;
  if (repo === null) {
    await reply(
      'Which repository? Name it first (`@drydock acme/app fix the failing test`) or as `repo:acme/app`, or set a default for this channel in drydock’s settings.',
    );
    return { outcome: 'ignored: no repository', sessionId: null };
  }

  // The co-author of the session's commits: needs the users:read.email scope; without it, none.
  const person = await deps.client.user(decision.user).catch(() => null);
  // Wake the worker only once the thread is linked, so the first progress note finds its thread.
  const woken: string[] = [];
  let session: Session;
  try {
    session = await startWork(
      { ...deps.triggers, wake: (id) => woken.push(id) },
      {
        repo,
        task: request.task,
        ...playbookOf(request.task),
        requester: `slack:${decision.user}`,
        createdBy: { id: `slack:${decision.user}`, name: person?.name ?? decision.user },
        ...(defaults?.model && request.repo === null ? { model: defaults.model } : {}),
        ...(person?.email ? { requestedBy: { name: person.name, email: person.email } } : {}),
      },
    );
  } catch (error) {
    if (!(error instanceof BadInputError)) throw error;
    await reply(`drydock could not start: ${error.message}`);
    return { outcome: `failed: ${describeError(error)}`, sessionId: null };
  }
  const data: SlackLinkData = {
    slack: true,
    channel: decision.channel,
    thread: decision.thread,
    requester: decision.user,
  };
  await store.linkSession(key, session.id, data as JsonValue);
  deps.notifier.watch(session.id);
  for (const id of woken) deps.triggers.wake(id);
  const url = sessionUrl(deps.triggers, session.id);
  await reply(
    session.state === 'failed'
      ? `drydock could not start: ${session.reason} (${url})`
      : `drydock is on it: ${url}`,
  );
  return {
    outcome: session.state === 'failed' ? `failed: ${session.reason}` : 'started',
    sessionId: session.id,
  };
}

async function followUp(
  deps: SlackTriggerDeps,
  decision: Extract<SlackDecision, { action: 'request' | 'reply' }>,
  sessionId: string,
  reply: (text: string) => Promise<void>,
): Promise<Omit<SlackDeliveryResult, 'duplicate'>> {
  const text = slackToPlainText(decision.text);
  if (text === '') return { outcome: 'ignored: empty reply', sessionId };
  try {
    await sendMessage(
      deps.triggers.sessions.store,
      sessionId,
      `${text}\n\n(from ${decision.user} on Slack)`,
      {
        by: { id: `slack:${decision.user}`, name: decision.user },
        spend: spendContext(deps.triggers.sessions),
      },
    );
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    await reply(`${error.message} Mention drydock in a new message to start one.`);
    return { outcome: `ignored: ${error.code}`, sessionId };
  }
  deps.notifier.watch(sessionId);
  deps.triggers.watch(sessionId);
  deps.triggers.wake(sessionId);
  await reply('Got it: drydock takes this as a follow-up.');
  return { outcome: 'follow_up', sessionId };
}

async function channelDefaults(deps: SlackTriggerDeps, channel: string): Promise<SlackChannelConfig | null> {
  const { store } = deps.triggers.sessions;
  const record =
    (await store.findTrigger('slack_channel', channel)) ??
    (await store.findTrigger('slack_channel', ANY_CHANNEL));
  if (!record) return null;
  const parsed = SlackChannelConfig.safeParse(record.config);
  if (!parsed.success) {
    throw new BadInputError(
      'bad_slack_channel',
      `The stored defaults of Slack channel ${record.name} are invalid; set them again through /api/slack/channels.`,
    );
  }
  return parsed.data;
}

/** The Slack user an event came from, as an audit actor, when it names one. */
function slackSender(body: Record<string, unknown>): { actor?: { id: string; name: string } } {
  const event = body.event;
  if (typeof event !== 'object' || event === null || !('user' in event)) return {};
  return typeof event.user === 'string' ? { actor: { id: `slack:${event.user}`, name: event.user } } : {};
}
