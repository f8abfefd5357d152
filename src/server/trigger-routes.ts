import { Hono } from 'hono';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.ts';
import type { JsonValue, TriggerRecord } from '../core/ports/store.ts';
import { requireRegisteredRepo } from '../sessions/registered-repos.ts';
import { HookConfig } from '../triggers/hook-config.ts';
import { ScheduleConfig, validateCron } from '../triggers/schedule.ts';
import { listScheduleRuns } from '../triggers/scheduler.ts';
import { SlackChannelConfig, SlackChannelId } from '../triggers/slack-channel-config.ts';
import { requireRole } from './auth.ts';
import { checkModel } from './model-check.ts';
import { readJsonBody } from './read-json-body.ts';
import { parseInput } from './schemas.ts';
import type { AppEnv, ServerDeps, ServerTriggers } from './server-deps.ts';
import { requireTriggerOwner, tokenCreator } from './session-access.ts';
import { triggerDeps } from './trigger-wiring.ts';

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');
const hookBody = HookConfig.extend({ name, secret: z.string().min(16).max(4096) });
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
  paused: true,
}).extend({ name });
const schedulePatch = z.object({
  cron: z.string().min(1).optional(),
  timezone: z.string().optional(),
  repo: z.string().min(1).optional(),
  task: z.string().min(1).max(100_000).optional(),
  model: z.string().optional(),
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
function showSchedule(record: TriggerRecord) {
  return {
    id: record.id,
    name: record.name,
    ...ScheduleConfig.parse(record.config),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
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

/**
 * `/api/hooks` (admin: they hold secrets), `/api/schedules` and `/api/slack/channels` (members write, viewers
 * read).
 */
export function triggerRoutes(deps: ServerDeps, triggers: ServerTriggers): Hono<AppEnv> {
  const { store } = deps.sessions;
  const app = new Hono<AppEnv>();
  const find = async (kind: 'hook' | 'schedule' | 'slack_channel', id: string) => {
    const record = await store.getTrigger(id);
    if (!record || record.kind !== kind) throw new NotFoundError(`${kind}_not_found`, `No ${kind} ${id}.`);
    return record;
  };

  app.use('/hooks/*', requireRole('admin'));
  app.use('/hooks', requireRole('admin'));
  app.get('/hooks', async (c) => c.json({ hooks: (await store.listTriggers('hook')).map(showHook) }));
  app.post('/hooks', async (c) => {
    const { name: hookName, secret, ...input } = parseInput(hookBody, await readJsonBody(c), 'hook');
    const config = await checked(deps, input);
    const record = await store.createTrigger({
      kind: 'hook',
      name: hookName,
      config: json(config),
      secret: triggers.secrets.seal(secret),
    });
    return c.json(showHook(record), 201);
  });
  app.patch('/hooks/:id', async (c) => {
    const record = await find('hook', c.req.param('id'));
    const { secret, ...patch } = parseInput(hookPatch, await readJsonBody(c), 'hook');
    const change = await checked(deps, patch);
    const config = HookConfig.parse({ ...HookConfig.parse(record.config), ...change });
    const updated = await store.updateTrigger(record.id, {
      config: json(config),
      ...(secret ? { secret: triggers.secrets.seal(secret) } : {}),
    });
    return c.json(showHook(updated));
  });
  app.delete('/hooks/:id', async (c) => {
    await find('hook', c.req.param('id'));
    await store.deleteTrigger(c.req.param('id'));
    return c.body(null, 204);
  });

  app.get('/schedules', async (c) =>
    c.json({ schedules: (await store.listTriggers('schedule')).map(showSchedule) }),
  );
  app.post('/schedules', requireRole('member'), async (c) => {
    const { name: scheduleName, ...input } = parseInput(scheduleBody, await readJsonBody(c), 'schedule');
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
    return c.json(showSchedule(record), 201);
  });
  app.patch('/schedules/:id', requireRole('member'), async (c) => {
    const record = await find('schedule', c.req.param('id'));
    const current = ScheduleConfig.parse(record.config);
    requireTriggerOwner(c.get('token'), `Schedule ${record.name}`, current.createdBy);
    const change = await checked(deps, parseInput(schedulePatch, await readJsonBody(c), 'schedule'));
    const config = ScheduleConfig.parse({
      ...current,
      ...change,
      // Resuming clears the reason it paused; the failure count restarts from the next run.
      ...(change.paused === false ? { pausedReason: null } : {}),
    });
    validateCron(config.cron, config.timezone);
    return c.json(showSchedule(await store.updateTrigger(record.id, { config: json(config) })));
  });
  app.delete('/schedules/:id', requireRole('member'), async (c) => {
    const record = await find('schedule', c.req.param('id'));
    const { createdBy } = ScheduleConfig.parse(record.config);
    requireTriggerOwner(c.get('token'), `Schedule ${record.name}`, createdBy);
    await store.deleteTrigger(c.req.param('id'));
    return c.body(null, 204);
  });
  app.get('/schedules/:id/runs', async (c) => {
    const record = await find('schedule', c.req.param('id'));
    return c.json({ runs: await listScheduleRuns(triggerDeps(deps, triggers), record.id) });
  });

  app.get('/slack/channels', async (c) =>
    c.json({ channels: (await store.listTriggers('slack_channel')).map(showSlackChannel) }),
  );
  app.post('/slack/channels', requireRole('member'), async (c) => {
    const { channel, ...input } = parseInput(slackChannelBody, await readJsonBody(c), 'Slack channel');
    const config = { ...(await checked(deps, input)), createdBy: tokenCreator(c.get('token')) };
    const record = await store.createTrigger({
      kind: 'slack_channel',
      name: channel,
      config: json(config),
      secret: null,
    });
    return c.json(showSlackChannel(record), 201);
  });
  app.patch('/slack/channels/:id', requireRole('member'), async (c) => {
    const record = await find('slack_channel', c.req.param('id'));
    const current = SlackChannelConfig.parse(record.config);
    requireTriggerOwner(c.get('token'), `Slack channel ${record.name}`, current.createdBy);
    const change = await checked(deps, parseInput(slackChannelPatch, await readJsonBody(c), 'Slack channel'));
    const config = SlackChannelConfig.parse({ ...current, ...change });
    return c.json(showSlackChannel(await store.updateTrigger(record.id, { config: json(config) })));
  });
  app.delete('/slack/channels/:id', requireRole('member'), async (c) => {
    const record = await find('slack_channel', c.req.param('id'));
    const { createdBy } = SlackChannelConfig.parse(record.config);
    requireTriggerOwner(c.get('token'), `Slack channel ${record.name}`, createdBy);
    await store.deleteTrigger(c.req.param('id'));
    return c.body(null, 204);
  });
  return app;
}
