import { z } from 'zod';

/** Names the forges', Slack's and the trackers' own webhooks take (`/webhooks/<name>`): no signed hook may shadow them. */
export const RESERVED_HOOK_NAMES: readonly string[] = [
  'bitbucket',
  'forgejo',
  'gitea',
  'github',
  'gitlab',
  'jira',
  'linear',
  'slack',
];

/** A configured webhook (`POST /webhooks/<name>`): what it verifies and what session it starts. */
export const HookConfig = z.object({
  /** `hmac`: X-Drydock-Signature over `<X-Drydock-Timestamp>.<body>`; `sentry`: Sentry-Hook-Signature over the body. */
  scheme: z.enum(['hmac', 'sentry']).default('hmac'),
  /** A forge repository (`owner/name`) or a local path. */
  repo: z.string().min(1),
  /** The task prompt, e.g. `Investigate: {{ payload.alert.title }}`. */
  template: z.string().min(1).max(20_000),
  model: z.string().optional(),
  /** A paused hook verifies its deliveries and answers `ignored`, starting nothing. */
  paused: z.boolean().default(false),
});
export type HookConfig = z.infer<typeof HookConfig>;

/** A task for a Sentry issue alert when the hook names no template of its own. */
export const SENTRY_TEMPLATE = [
  'Sentry reports an error in production: {{ payload.data.issue.title }}',
  'Culprit: {{ payload.data.issue.culprit }}',
  'Sentry issue: {{ payload.data.issue.web_url }}',
  'Find the cause in this repository and fix it, with a test that reproduces it.',
].join('\n');
