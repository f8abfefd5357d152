import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.ts';
import type { ApiToken, JsonValue, TriggerRecord } from '../core/ports/store.ts';
import { requireRegisteredRepo } from '../sessions/registered-repos.ts';
import { HookConfig, RESERVED_HOOK_NAMES } from '../triggers/hook-config.ts';
import { ScheduleConfig, validateCron } from '../triggers/schedule.ts';
import { listScheduleRuns, nextRunAt, runScheduleNow, type ScheduleRun } from '../triggers/scheduler.ts';
import { SlackChannelConfig, SlackChannelId } from '../triggers/slack-channel-config.ts';
import type { TriggerDeps } from '../triggers/trigger-deps.ts';
import {
  emptyResponse,
  errorResponses,
  idParams,
  jsonBody,
  jsonResponse,
  sessionStateSchema,
} from './api-schemas.ts';
import { noteAudit } from './audit-middleware.ts';
import { requireRole } from './auth.ts';
import { checkModel } from './model-check.ts';
import { createOpenApiApp } from './openapi-app.ts';
import { requireJson } from './require-json.ts';
import { rejectInvalid } from './schemas.ts';
import type { AppEnv, ServerDeps, ServerTriggers } from './server-deps.ts';
import { requireTriggerOwner, tokenCreator } from './session-access.ts';
import { triggerDeps } from './trigger-wiring.ts';

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');
const hookName = name.refine(
  (value) => !RESERVED_HOOK_NAMES.includes(value),
  'reserved for a built-in webhook (github, gitlab, gitea, forgejo, slack)',
);
const hookBody = HookConfig.extend({ name: hookName, secret: z.string().min(16).max(4096) });
// Patches are spelled without defaults: zod's partial() would fill them in (scheme `hmac`, `paused: false`,
// time zone `UTC`) and an edit of one field would reset the others.
const hookPatch = z.object({
  scheme: z.enum(['hmac', 'sentry']).optional(),
  repo: z.string().min(1).optional(),
  template: z.string().min(1).max(20_000).optional(),
  model: z.string().optional(),
  paused: z.boolean().optional(),
  secret: z.string().min(16).max(4096).optional(),
});
const scheduleBody = ScheduleConfig.pick({
  cron: true,
  timezone: true,
  repo: true,
  task: true,
  model: true,
  playbook: true,
  inputs: true,
  paused: true,
}).extend({ name });
const schedulePatch = z.object({
  cron: z.string().min(1).optional(),
  timezone: z.string().optional(),
  repo: z.string().min(1).optional(),
  task: z.string().min(1).max(100_000).optional(),
  model: z.string().optional(),
  playbook: ScheduleConfig.shape.playbook,
  inputs: ScheduleConfig.shape.inputs,
  paused: z.boolean().optional(),
});

const slackChannelBody = SlackChannelConfig.omit({ createdBy: true }).extend({ channel: SlackChannelId });
const slackChannelPatch = z.object({
  repo: z.string().min(1).optional(),
  model: z.string().optional(),
  paused: z.boolean().optional(),
});

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

const hookSchema = HookConfig.extend({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'Hook', description: 'A signed webhook at POST /webhooks/{name}; its secret is never shown' });
const scheduleRunSchema = z.object({
  dueAt: z.string().meta({ description: 'The due time it ran for, or when it was started by hand' }),
  sessionId: z.string(),
  state: sessionStateSchema.nullable(),
});
const scheduleSchema = ScheduleConfig.extend({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  nextRunAt: z
    .string()
    .nullable()
    .meta({ description: 'When its cron runs it next (ISO 8601); null while paused' }),
  lastRun: scheduleRunSchema.nullable().meta({ description: 'Its latest run, due or started by hand' }),
}).meta({ id: 'Schedule' });
const slackChannelSchema = SlackChannelConfig.extend({
  id: z.string(),
  channel: z.string().meta({ description: 'A channel id, or * for every channel' }),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'SlackChannel' });

const hookRoutes = {
  list: createRoute({
    method: 'get',
    path: '/hooks',
    summary: 'List signed webhooks (admin); secrets are never returned',
    responses: {
      200: jsonResponse(z.object({ hooks: z.array(hookSchema) }), 'Hooks'),
      ...errorResponses(401, 403),
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/hooks',
    summary: 'Create a webhook at POST /webhooks/{name} (admin)',
    middleware: [requireJson] as const,
    request: { body: jsonBody(hookBody) },
    responses: {
      201: jsonResponse(hookSchema, 'The hook, without its secret'),
      ...errorResponses(400, 401, 403, 409, 413),
    },
  }),
  change: createRoute({
    method: 'patch',
    path: '/hooks/{id}',
    summary: 'Change a webhook (admin); a new secret replaces the stored one',
    request: { params: idParams, body: jsonBody(hookPatch) },
    responses: {
      200: jsonResponse(hookSchema, 'The hook'),
      ...errorResponses(400, 401, 403, 404, 413),
    },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/hooks/{id}',
    summary: 'Delete a webhook (admin)',
    request: { params: idParams },
    responses: { 204: emptyResponse('Deleted'), ...errorResponses(401, 403, 404) },
  }),
};

const scheduleRoutes = {
  list: createRoute({
    method: 'get',
    path: '/schedules',
    summary: 'List schedules',
    responses: {
      200: jsonResponse(z.object({ schedules: z.array(scheduleSchema) }), 'Schedules'),
      ...errorResponses(401),
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/schedules',
    summary: 'Create a schedule (member)',
    middleware: [requireRole('member'), requireJson] as const,
    request: { body: jsonBody(scheduleBody) },
    responses: {
      201: jsonResponse(scheduleSchema, 'The schedule'),
      ...errorResponses(400, 401, 403, 409, 413),
    },
  }),
  change: createRoute({
    method: 'patch',
    path: '/schedules/{id}',
    summary: 'Change, pause or resume a schedule (its creator, or an admin)',
    description: '`paused: false` resumes a schedule that paused itself after failed runs.',
    request: { params: idParams, body: jsonBody(schedulePatch) },
    responses: {
      200: jsonResponse(scheduleSchema, 'The schedule'),
      ...errorResponses(400, 401, 403, 404, 413),
    },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/schedules/{id}',
    summary: 'Delete a schedule (its creator, or an admin)',
    request: { params: idParams },
    responses: { 204: emptyResponse('Deleted'), ...errorResponses(401, 403, 404) },
  }),
  run: createRoute({
    method: 'post',
    path: '/schedules/{id}/run',
    summary: 'Run a schedule now (its creator, or an admin)',
    description:
      'Starts its session at once, paused or not, as its cron would; the run is listed with the others. The cron keeps its times.',
    request: { params: idParams },
    responses: {
      201: jsonResponse(z.object({ id: z.string(), state: sessionStateSchema }), 'The session started'),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  runs: createRoute({
    method: 'get',
    path: '/schedules/{id}/runs',
    summary: "A schedule's runs, oldest first",
    request: { params: idParams },
    responses: {
      200: jsonResponse(z.object({ runs: z.array(scheduleRunSchema) }), 'Runs'),
      ...errorResponses(401, 404),
    },
  }),
};

const slackChannelRoutes = {
  list: createRoute({
    method: 'get',
    path: '/slack/channels',
    summary: 'List Slack channel defaults',
    responses: {
      200: jsonResponse(z.object({ channels: z.array(slackChannelSchema) }), 'Channels'),
      ...errorResponses(401),
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/slack/channels',
    summary: "Set a Slack channel's defaults (member)",
    middleware: [requireRole('member'), requireJson] as const,
    request: { body: jsonBody(slackChannelBody) },
    responses: {
      201: jsonResponse(slackChannelSchema, "The channel's defaults"),
      ...errorResponses(400, 401, 403, 409, 413),
    },
  }),
  change: createRoute({
    method: 'patch',
    path: '/slack/channels/{id}',
    summary: "Change, pause or resume a Slack channel's defaults (its creator, or an admin)",
    request: { params: idParams, body: jsonBody(slackChannelPatch) },
    responses: {
      200: jsonResponse(slackChannelSchema, "The channel's defaults"),
      ...errorResponses(400, 401, 403, 404, 413),
    },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/slack/channels/{id}',
    summary: "Delete a Slack channel's defaults (its creator, or an admin)",
    request: { params: idParams },
    responses: { 204: emptyResponse('Deleted'), ...errorResponses(401, 403, 404) },
  }),
};

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
