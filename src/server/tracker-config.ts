import { BadInputError } from '../core/errors.ts';
import { createJiraTracker } from '../trackers/jira-tracker.ts';
import { createLinearTracker } from '../trackers/linear-tracker.ts';
import type { ServerTrackers } from './server-deps.ts';

/**
 * Linear (DRYDOCK_LINEAR_API_KEY with DRYDOCK_LINEAR_WEBHOOK_SECRET; DRYDOCK_LINEAR_API_URL, DRYDOCK_LINEAR_HANDLE)
 * and Jira Cloud (DRYDOCK_JIRA_URL, DRYDOCK_JIRA_EMAIL, DRYDOCK_JIRA_API_TOKEN, DRYDOCK_JIRA_WEBHOOK_SECRET;
 * DRYDOCK_JIRA_LABEL): each all or nothing, so a half-configured tracker fails at start, not at its first webhook.
 * A tracker configured here wins over one connected through the API (tracker-connections.ts).
 */
export function trackersFromEnv(env: Record<string, string | undefined>): { trackers?: ServerTrackers } {
  const get = (name: string) => env[name]?.trim() || undefined;
  const all = <const K extends string>(
    names: readonly K[],
    code: 'incomplete_linear_config' | 'incomplete_jira_config',
  ) => {
    const values = names.map(get);
    if (values.every((value) => value === undefined)) return null;
    const missing = names.filter((_, i) => values[i] === undefined);
    if (missing.length > 0) {
      throw new BadInputError(code, `Set ${missing.join(', ')} too, or none of ${names.join(', ')}.`);
    }
    return Object.fromEntries(names.map((name, i) => [name, values[i] as string])) as Record<K, string>;
  };
  const linear = all(['DRYDOCK_LINEAR_API_KEY', 'DRYDOCK_LINEAR_WEBHOOK_SECRET'], 'incomplete_linear_config');
  const jira = all(
    ['DRYDOCK_JIRA_URL', 'DRYDOCK_JIRA_EMAIL', 'DRYDOCK_JIRA_API_TOKEN', 'DRYDOCK_JIRA_WEBHOOK_SECRET'],
    'incomplete_jira_config',
  );
  if (!linear && !jira) return {};
  const linearUrl = get('DRYDOCK_LINEAR_API_URL');
  return {
    trackers: {
      ...(linear
        ? {
            linear: {
              tracker: createLinearTracker({
                apiKey: linear.DRYDOCK_LINEAR_API_KEY,
                ...(linearUrl ? { apiUrl: linearUrl } : {}),
              }),
              webhookSecret: linear.DRYDOCK_LINEAR_WEBHOOK_SECRET,
              handle: get('DRYDOCK_LINEAR_HANDLE') ?? 'drydock',
              settings: linearUrl ? { apiUrl: linearUrl } : {},
            },
          }
        : {}),
      ...(jira
        ? {
            jira: {
              tracker: createJiraTracker({
                host: jira.DRYDOCK_JIRA_URL,
                email: jira.DRYDOCK_JIRA_EMAIL,
                apiToken: jira.DRYDOCK_JIRA_API_TOKEN,
              }),
              webhookSecret: jira.DRYDOCK_JIRA_WEBHOOK_SECRET,
              label: get('DRYDOCK_JIRA_LABEL') ?? 'drydock',
              settings: { url: jira.DRYDOCK_JIRA_URL, email: jira.DRYDOCK_JIRA_EMAIL },
            },
          }
        : {}),
    },
  };
}
