import { z } from 'zod';
import { TriggerCreator } from './trigger-creator.ts';

/** `*` is the default of every channel (and direct message) without one of its own. */
export const ANY_CHANNEL = '*';

/** A Slack channel id (`C…`, `G…`, `D…`) or `*`. */
export const SlackChannelId = z
  .string()
  .regex(/^(?:\*|[CDG][A-Z0-9]{2,30})$/, 'a Slack channel id such as C0123ABCD, or * for every channel');

/**
 * A Slack channel's defaults (`triggers` row of kind `slack_channel`, named by the channel id): the
 * repository a request that names none runs on, its model, and whether drydock answers there at all.
 */
export const SlackChannelConfig = z.object({
  /** A forge repository (`owner/name`) or a local path. */
  repo: z.string().min(1),
  model: z.string().optional(),
  /** A paused channel's requests are answered with a note, not a session. */
  paused: z.boolean().default(false),
  createdBy: TriggerCreator.optional(),
});
export type SlackChannelConfig = z.infer<typeof SlackChannelConfig>;
