import type { OpenAPIHono } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { NotFoundError } from '../core/errors.ts';
import type { ApiToken, JsonValue, TriggerRecord } from '../core/ports/store.ts';
import { requireRegisteredRepo } from '../sessions/registered-repos.ts';
import { HookConfig } from '../triggers/hook-config.ts';
import { ScheduleConfig, validateCron } from '../triggers/schedule.ts';
import { listScheduleRuns, nextRunAt, runScheduleNow, type ScheduleRun } from '../triggers/scheduler.ts';
import { SlackChannelConfig } from '../triggers/slack-channel-config.ts';
import type { TriggerDeps } from '../triggers/trigger-deps.ts';
import { noteAudit } from './audit-middleware.ts';
import { requireRole } from './auth.ts';
import { checkModel } from './model-check.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps, ServerTriggers } from './server-deps.ts';
import { requireTriggerOwner, tokenCreator } from './session-access.ts';
import { hookRoutes, scheduleRoutes, slackChannelRoutes } from './trigger-route-specs.ts';
import { triggerDeps } from './trigger-wiring.ts';

const json = (value: unknown): JsonValue => JSON.parse(JSON.stringify(value)) as JsonValue;

/**
 * A trigger's `repo` must be a registered repository, checked when it is configured (and again when it
 * fires), and stored as the registration's own path or `owner/name`; its `model` is held to what the API
 * accepts for sessions.
 */
async function checked<T extends { repo?: string | undefined; model?: string | undefined }>(
  deps: ServerDeps,
  input: T,
): Promise<T> {
  // A blank model means the server's default (an edit clears it so).
  if (input.model) checkModel(deps, input.model);
  if (input.repo === undefined) return input;
  return { ...input, repo: (await requireRegisteredRepo(deps.sessions.store, input.repo)).repo };
}

/** A hook as the API shows it: never its secret. */
function showHook(record: TriggerRecord) {
  return {
    id: record.id,
    name: record.name,
    ...HookConfig.parse(record.config),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
/** A schedule as the API shows it: with when its cron runs next and its latest run. */
async function showSchedule(deps: TriggerDeps, record: TriggerRecord) {
  const config = ScheduleConfig.parse(record.config);
  const runs = await listScheduleRuns(deps, record.id);
  return {
    id: record.id,
    name: record.name,
    ...config,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    nextRunAt: nextRunAt(config, deps.sessions.clock.now()),
    lastRun: runs.reduce<ScheduleRun | null>(
      (latest, run) => (latest === null || run.dueAt > latest.dueAt ? run : latest),
      null,
    ),
  };
}

function showSlackChannel(record: TriggerRecord) {
  return {
    id: record.id,
    channel: record.name,
    ...SlackChannelConfig.parse(record.config),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

type TriggerKind = 'hook' | 'schedule' | 'slack_channel';

/**
 * `/api/hooks` (admin: they hold secrets), `/api/schedules` and `/api/slack/channels` (members write, viewers
 * read).
 */
export function triggerRoutes(deps: ServerDeps, triggers: ServerTriggers): OpenAPIHono<AppEnv> {
  const { store } = deps.sessions;
  const app = createOpenApiApp();
  const find = async (kind: TriggerKind, id: string) => {
    const record = await store.getTrigger(id);
    if (!record || record.kind !== kind) throw new NotFoundError(`${kind}_not_found`, `No ${kind} ${id}.`);
    return record;
  };
  /**
   * Finds the trigger the path names (404) and checks the token may change it (403) before the body is
   * read, so a bad body on a missing or foreign trigger is answered as missing or foreign.
   */
  const target = (
    kind: TriggerKind,
    mayChange: (token: ApiToken, record: TriggerRecord) => void = () => {},
  ) =>
    createMiddleware<AppEnv & { Variables: { record: TriggerRecord } }>(async (c, next) => {
      const record = await find(kind, c.req.param('id') ?? '');
      mayChange(c.get('token'), record);
      c.set('record', record);
      await next();
    });
  const ownSchedule = (token: ApiToken, record: TriggerRecord) =>
    requireTriggerOwner(token, `Schedule ${record.name}`, ScheduleConfig.parse(record.config).createdBy);
  const ownSlackChannel = (token: ApiToken, record: TriggerRecord) =>
    requireTriggerOwner(
      token,
      `Slack channel ${record.name}`,
      SlackChannelConfig.parse(record.config).createdBy,
    );

  app.use('/hooks/*', requireRole('admin'));
  app.use('/hooks', requireRole('admin'));
  app.openapi(hookRoutes.list, async (c) =>
    c.json({ hooks: (await store.listTriggers('hook')).map(showHook) }, 200),
  );
  app.openapi(
    hookRoutes.create,
    async (c) => {
      const { name: hookName, secret, ...input } = c.req.valid('json');
      const config = await checked(deps, input);
      const record = await store.createTrigger({
        kind: 'hook',
        name: hookName,
        config: json(config),
        secret: triggers.secrets.seal(secret),
      });
      noteAudit(c, {
        action: 'hook.created',
        target: record.id,
        details: { name: record.name, repo: config.repo },
      });
      return c.json(showHook(record), 201);
    },
    rejectInvalid('hook'),
  );
  app.openapi(
    { ...hookRoutes.change, middleware: [target('hook'), requireJson] as const },
    async (c) => {
      const record = c.get('record');
      const { secret, ...patch } = c.req.valid('json');
      const change = await checked(deps, patch);
      const config = HookConfig.parse({ ...HookConfig.parse(record.config), ...change });
      const updated = await store.updateTrigger(record.id, {
        config: json(config),
        ...(secret ? { secret: triggers.secrets.seal(secret) } : {}),
      });
      noteAudit(c, {
        action: 'hook.changed',
        details: { name: record.name, fields: Object.keys(patch), keyRotated: Boolean(secret) },
      });
      return c.json(showHook(updated), 200);
    },
    rejectInvalid('hook'),
  );
  app.openapi({ ...hookRoutes.remove, middleware: [target('hook')] as const }, async (c) => {
    await store.deleteTrigger(c.get('record').id);
    noteAudit(c, { action: 'hook.removed', details: { name: c.get('record').name } });
    return c.body(null, 204);
  });

  const runDeps = triggerDeps(deps, triggers);
  app.openapi(scheduleRoutes.list, async (c) =>
    c.json(
      {
        schedules: await Promise.all(
          (await store.listTriggers('schedule')).map((record) => showSchedule(runDeps, record)),
        ),
      },
      200,
    ),
  );
  app.openapi(
    scheduleRoutes.create,
    async (c) => {
      const { name: scheduleName, ...input } = c.req.valid('json');
      const config = ScheduleConfig.parse({
        ...(await checked(deps, input)),
        createdBy: tokenCreator(c.get('token')),
      });
      validateCron(config.cron, config.timezone);
      const record = await store.createTrigger({
        kind: 'schedule',
        name: scheduleName,
        config: json(config),
        secret: null,
      });
      noteAudit(c, {
        action: 'schedule.created',
        target: record.id,
        details: { name: record.name, repo: config.repo, cron: config.cron },
      });
      return c.json(await showSchedule(runDeps, record), 201);
    },
    rejectInvalid('schedule'),
  );
  app.openapi(
    {
      ...scheduleRoutes.change,
      middleware: [requireRole('member'), target('schedule', ownSchedule), requireJson] as const,
    },
    async (c) => {
      const record = c.get('record');
      const change = await checked(deps, c.req.valid('json'));
      const config = ScheduleConfig.parse({
        ...ScheduleConfig.parse(record.config),
        ...change,
        // Resuming clears the reason it paused; the failure count restarts from the next run.
        ...(change.paused === false ? { pausedReason: null } : {}),
      });
      validateCron(config.cron, config.timezone);
      noteAudit(c, {
        action: 'schedule.changed',
        details: { name: record.name, fields: Object.keys(change) },
      });
      return c.json(
        await showSchedule(runDeps, await store.updateTrigger(record.id, { config: json(config) })),
        200,
      );
    },
    rejectInvalid('schedule'),
  );
  app.openapi(
    {
      ...scheduleRoutes.remove,
      middleware: [requireRole('member'), target('schedule', ownSchedule)] as const,
    },
    async (c) => {
      await store.deleteTrigger(c.get('record').id);
      noteAudit(c, { action: 'schedule.removed', details: { name: c.get('record').name } });
      return c.body(null, 204);
    },
  );
  app.openapi({ ...scheduleRoutes.runs, middleware: [target('schedule')] as const }, async (c) =>
    c.json({ runs: await listScheduleRuns(runDeps, c.get('record').id) }, 200),
  );
  app.openapi(
    { ...scheduleRoutes.run, middleware: [requireRole('member'), target('schedule', ownSchedule)] as const },
    async (c) => {
      const session = await runScheduleNow(runDeps, c.get('record'));
      noteAudit(c, {
        action: 'schedule.run',
        details: { name: c.get('record').name, sessionId: session.id },
      });
      return c.json({ id: session.id, state: session.state }, 201);
    },
  );

  app.openapi(slackChannelRoutes.list, async (c) =>
    c.json({ channels: (await store.listTriggers('slack_channel')).map(showSlackChannel) }, 200),
  );
  app.openapi(
    slackChannelRoutes.create,
    async (c) => {
      const { channel, ...input } = c.req.valid('json');
      const config = { ...(await checked(deps, input)), createdBy: tokenCreator(c.get('token')) };
      const record = await store.createTrigger({
        kind: 'slack_channel',
        name: channel,
        config: json(config),
        secret: null,
      });
      return c.json(showSlackChannel(record), 201);
    },
    rejectInvalid('Slack channel'),
  );
  app.openapi(
    {
      ...slackChannelRoutes.change,
      middleware: [requireRole('member'), target('slack_channel', ownSlackChannel), requireJson] as const,
    },
    async (c) => {
      const record = c.get('record');
      const change = await checked(deps, c.req.valid('json'));
      const config = SlackChannelConfig.parse({ ...SlackChannelConfig.parse(record.config), ...change });
      return c.json(showSlackChannel(await store.updateTrigger(record.id, { config: json(config) })), 200);
    },
    rejectInvalid('Slack channel'),
  );
  app.openapi(
    {
      ...slackChannelRoutes.remove,
      middleware: [requireRole('member'), target('slack_channel', ownSlackChannel)] as const,
    },
    async (c) => {
      await store.deleteTrigger(c.get('record').id);
      return c.body(null, 204);
    },
  );
  return app;
}
