import { z } from 'zod';
import { BadInputError } from '../core/errors.ts';
import type { TrackerKind } from '../core/ports/tracker.ts';

/** The settings of each tracker that are secret: sealed at rest, never answered, never logged. */
export const TRACKER_SECRET_FIELDS = {
  linear: ['apiKey', 'webhookSecret'],
  jira: ['apiToken', 'webhookSecret'],
} as const satisfies Record<TrackerKind, readonly string[]>;

/** The settings that are not secret, shown as they are. */
export const TRACKER_PLAIN_FIELDS = {
  linear: ['handle', 'apiUrl'],
  jira: ['url', 'email', 'label'],
} as const satisfies Record<TrackerKind, readonly string[]>;

/** The fields a connection needs (`handle` and `label` have defaults; `apiUrl` is optional). */
const REQUIRED = {
  linear: ['apiKey', 'webhookSecret'],
  jira: ['url', 'email', 'apiToken', 'webhookSecret'],
} as const satisfies Record<TrackerKind, readonly string[]>;

const DEFAULTS: Record<TrackerKind, Record<string, string>> = {
  linear: { handle: 'drydock' },
  jira: { label: 'drydock' },
};

export const TRACKER_NAMES: Record<TrackerKind, string> = { linear: 'Linear', jira: 'Jira' };

const secret = z
  .string()
  .trim()
  .min(1, 'empty: leave it out to keep the one stored')
  .max(4000)
  .regex(/^[^\s]+$/, 'no spaces or line breaks');
const httpUrl = z
  .string()
  .trim()
  .max(500)
  .regex(/^https?:\/\/[^/\s]+\S*$/, 'an http(s) address, e.g. https://your-domain.atlassian.net');
const word = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'letters, digits, _ . - (at most 100)');

/**
 * What `PUT /api/trackers/connections/{tracker}` (and `drydock trackers connect`) take: every field optional,
 * so a change names only what changes; a secret left out keeps the stored one. Which fields belong to which
 * tracker is checked by mergeTrackerConnection.
 */
export const trackerConnectionInput = z
  .object({
    apiKey: secret.optional().meta({ description: "Linear: drydock's personal API key (write-only)" }),
    apiToken: secret
      .optional()
      .meta({ description: "Jira: the API token of drydock's Atlassian account (write-only)" }),
    webhookSecret: secret.optional().meta({ description: "The webhook's signing secret (write-only)" }),
    handle: word.optional().meta({ description: 'Linear: the @name comments mention; default drydock' }),
    apiUrl: z
      .union([httpUrl, z.literal('')])
      .optional()
      .meta({ description: "Linear: the GraphQL endpoint; empty or left out: Linear's" }),
    url: httpUrl.optional().meta({ description: 'Jira: the site, https://your-domain.atlassian.net' }),
    email: z.email().max(320).optional().meta({ description: "Jira: drydock's Atlassian account" }),
    label: word
      .optional()
      .meta({ description: 'Jira: the label that asks drydock for work; default drydock' }),
    check: z.boolean().optional().meta({
      description:
        'Default true: check the credentials with one call to the tracker (Linear: viewer; Jira: /myself) before storing them',
    }),
  })
  .strict()
  .meta({ id: 'TrackerConnectionInput' });

export type TrackerConnectionInput = z.infer<typeof trackerConnectionInput>;

/** What a merge decides: the settings to store, and the secrets that change (in the clear, to be sealed). */
export interface MergedTrackerConnection {
  settings: Record<string, string>;
  secrets: Record<string, string>;
}

/**
 * A connection's new settings and changed secrets from the input and the one stored (its settings and the
 * names of its sealed secrets), or a BadInputError naming each field that does not belong to the tracker or
 * is missing. Pure.
 */
export function mergeTrackerConnection(
  tracker: TrackerKind,
  input: TrackerConnectionInput,
  existing: { settings: Record<string, string>; secretNames: readonly string[] } | null,
): MergedTrackerConnection {
  const secretNames: readonly string[] = TRACKER_SECRET_FIELDS[tracker];
  const plainNames: readonly string[] = TRACKER_PLAIN_FIELDS[tracker];
  const fields: Record<string, string> = {};
  const settings: Record<string, string> = { ...DEFAULTS[tracker], ...existing?.settings };
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    if (name === 'check' || value === undefined) continue;
    if (typeof value !== 'string') continue;
    if (secretNames.includes(name)) secrets[name] = value;
    else if (plainNames.includes(name)) {
      if (value === '') delete settings[name];
      else settings[name] = value;
    } else {
      fields[name] =
        `not a ${TRACKER_NAMES[tracker]} setting (${TRACKER_NAMES[tracker]} takes ${[...secretNames, ...plainNames].join(', ')})`;
    }
  }
  const has = (name: string) =>
    name in secrets || name in settings || (existing?.secretNames.includes(name) ?? false);
  for (const name of REQUIRED[tracker]) if (!has(name)) fields[name] ??= 'required';
  const names = Object.keys(fields);
  if (names.length > 0) {
    const missing = names.filter((name) => fields[name] === 'required');
    throw new BadInputError(
      missing.length === names.length ? 'incomplete_tracker_connection' : 'invalid_tracker_connection',
      `The ${TRACKER_NAMES[tracker]} connection is ${missing.length === names.length ? 'incomplete' : 'invalid'}: ${names
        .map((name) => `${name}: ${fields[name]}`)
        .join('; ')}.`,
      { details: { fields } },
    );
  }
  return { settings, secrets };
}

/** `text` with every one of `secrets` in it replaced, for an error that quotes a tracker's answer. Pure. */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const value of secrets) if (value.length > 0) out = out.split(value).join('[redacted]');
  return out;
}
