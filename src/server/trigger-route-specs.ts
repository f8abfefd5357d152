import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { HookConfig, RESERVED_HOOK_NAMES } from '../triggers/hook-config.ts';
import { ScheduleConfig } from '../triggers/schedule.ts';
import { SlackChannelConfig, SlackChannelId } from '../triggers/slack-channel-config.ts';
import {
  emptyResponse,
  errorResponses,
  idParams,
  jsonBody,
  jsonResponse,
  sessionStateSchema,
} from './api-schemas.ts';
import { requireRole } from './auth.ts';
import { requireJson } from './require-json.ts';

// The OpenAPI routes of hooks, schedules and Slack channel defaults: their bodies and answers
// (trigger-routes.ts handles them).

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

export const hookRoutes = {
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

export const scheduleRoutes = {
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

export const slackChannelRoutes = {
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
